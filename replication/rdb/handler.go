package rdb

import "strconv"

// Type is the logical Redis type of a key, independent of its RDB encoding.
type Type uint8

// The key types a Handler sees.
const (
	TypeString Type = iota + 1
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
	TypeModule
)

var typeNames = [...]string{"", "string", "list", "set", "zset", "hash", "stream", "module"}

// String returns the name TYPE would reply with ("string", "list", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) && t != 0 {
		return typeNames[t]
	}
	return "unknown(" + strconv.Itoa(int(t)) + ")"
}

// KeyInfo is what the RDB says about a key besides its name and value.
type KeyInfo struct {
	// Expire is the absolute expiry in unix milliseconds, 0 when none.
	// Keys whose expiry is already past are reported as they are.
	Expire int64
	// Idle is the LRU idle time in seconds from an IDLE opcode, -1 when absent.
	Idle int64
	// Freq is the LFU counter from a FREQ opcode, -1 when absent.
	Freq int
	// Type is the key's logical type.
	Type Type
	// Encoding is the RDB object type byte the value was stored with
	// (e.g. 18 for a quicklist v2 list).
	Encoding byte
}

// StreamID is a stream entry ID, ms-seq.
type StreamID struct {
	Ms, Seq uint64
}

// String formats the ID as Redis does ("1700000000000-3").
func (id StreamID) String() string {
	return strconv.FormatUint(id.Ms, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// StreamMeta is a stream's metadata, reported after its entries.
type StreamMeta struct {
	Length uint64   // number of live entries
	LastID StreamID // last ID ever generated
	// The following are stored from RDB stream v2 (Redis 7.0) on; with v1
	// HasV2Fields is false and they are zero.
	HasV2Fields  bool
	FirstID      StreamID // recorded first entry ID
	MaxDeletedID StreamID
	EntriesAdded uint64
}

// StreamGroup is a consumer group header. Its PEL entries and consumers
// follow in StreamPendingEntry and StreamConsumer calls.
type StreamGroup struct {
	Name   []byte
	LastID StreamID
	// EntriesRead is the group's entries-read counter (RDB stream v2+);
	// -1 when unknown (v1 files, or SCG_INVALID_ENTRIES_READ).
	EntriesRead int64
}

// StreamPendingEntry is one entry of a group's pending entries list. Its
// owner is given by the StreamConsumerPending calls that follow.
type StreamPendingEntry struct {
	ID            StreamID
	DeliveryTime  int64 // unix ms
	DeliveryCount uint64
}

// StreamConsumer is a consumer of the current group. Its pending IDs follow
// in StreamConsumerPending calls.
type StreamConsumer struct {
	Name     []byte
	SeenTime int64 // unix ms
	// ActiveTime is stored from RDB stream v3 (Redis 7.2) on; for older
	// streams it equals SeenTime, as Redis sets it on load. -1 = never active.
	ActiveTime int64
}

// ModuleType identifies a module data type by its 64-bit module ID: a
// 9-character name and an encoding version.
type ModuleType struct {
	ID     uint64
	Name   string
	EncVer int
}

const modCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func moduleTypeFromID(id uint64) ModuleType {
	var b [9]byte
	x := id >> 10
	for i := 8; i >= 0; i-- {
		b[i] = modCharset[x&63]
		x >>= 6
	}
	return ModuleType{ID: id, Name: string(b[:]), EncVer: int(id & 1023)}
}

// Handler receives what Decode finds, in file order. Every method returns an
// error; a non-nil error stops decoding and is returned by Decode unchanged.
//
// Byte slices passed to a method, including those inside struct arguments
// (StreamGroup.Name, StreamConsumer.Name) and the fields slice of
// StreamEntry, are only valid during that call (the decoder reuses its
// buffers); copy what you keep. The exception is the key
// passed to a StartXxx method, which stays valid until the matching EndXxx
// returns.
//
// Collections are reported element by element between StartXxx and EndXxx;
// nothing is buffered. An empty list, set, sorted set or hash (which Redis
// skips on load, RDB_LOAD_ERR_EMPTY_KEY) produces no calls at all. Duplicate
// members inside one ziplist/listpack blob are reported as corruption;
// duplicates across the elements of a hashtable encoding are not detected.
//
// Embed NopHandler to implement only the methods you need.
type Handler interface {
	// Aux is an AUX field (redis-ver, repl-id, ...). Integer-encoded values
	// arrive as decimal text.
	Aux(key, val []byte) error
	// SelectDB starts the keys of database db.
	SelectDB(db int) error
	// ResizeDB is the size hint for the current database.
	ResizeDB(size, expires uint64) error
	// SlotInfo is a cluster SLOT_INFO hint (Redis 7.4+ cluster mode).
	SlotInfo(slot, size, expires uint64) error
	// Function is a function library (FUNCTION2): the code FUNCTION LOAD takes.
	Function(code []byte) error
	// ModuleAux is a MODULE_AUX block; its data is skipped. when is 1
	// (before keys) or 2 (after keys).
	ModuleAux(m ModuleType, when int) error

	// String is a string key.
	String(key []byte, info KeyInfo, value []byte) error

	StartList(key []byte, info KeyInfo) error // StartList begins a list.
	ListItem(item []byte) error               // ListItem is the next element, head to tail.
	EndList(key []byte) error                 // EndList ends the list.

	StartSet(key []byte, info KeyInfo) error // StartSet begins a set.
	SetMember(member []byte) error           // SetMember is one member.
	EndSet(key []byte) error                 // EndSet ends the set.

	StartZSet(key []byte, info KeyInfo) error            // StartZSet begins a sorted set.
	ZSetMember(member []byte, score float64) error       // ZSetMember is one member (any order).
	EndZSet(key []byte) error                            // EndZSet ends the sorted set.
	StartHash(key []byte, info KeyInfo) error            // StartHash begins a hash.
	HashField(field, value []byte, expireMs int64) error // HashField is one field; expireMs is its absolute TTL in unix ms, 0 when none.
	EndHash(key []byte) error                            // EndHash ends the hash.

	// StartStream begins a stream. Calls follow in this order: StreamEntry
	// for each live entry in ID order, StreamMeta once, then per group
	// StreamGroup, its StreamPendingEntry calls, and per consumer
	// StreamConsumer followed by its StreamConsumerPending calls; EndStream.
	StartStream(key []byte, info KeyInfo) error
	// StreamEntry is one live entry; fields alternates field, value.
	StreamEntry(id StreamID, fields [][]byte) error
	StreamMeta(m StreamMeta) error                 // StreamMeta is the stream's metadata.
	StreamGroup(g StreamGroup) error               // StreamGroup starts a consumer group.
	StreamPendingEntry(p StreamPendingEntry) error // StreamPendingEntry is one entry of the group PEL.
	StreamConsumer(c StreamConsumer) error         // StreamConsumer starts a consumer of the group.
	StreamConsumerPending(id StreamID) error       // StreamConsumerPending is a PEL ID owned by the consumer.
	EndStream(key []byte) error                    // EndStream ends the stream.

	// Module is a module-type key (RDB type 7). Its value is skipped with
	// the self-describing opcode walker; return an error to refuse it.
	Module(key []byte, info KeyInfo, m ModuleType) error
}

// NopHandler implements every Handler method by doing nothing. Embed it and
// override what you need.
type NopHandler struct{}

// Aux does nothing.
func (NopHandler) Aux(key, val []byte) error { return nil }

// SelectDB does nothing.
func (NopHandler) SelectDB(db int) error { return nil }

// ResizeDB does nothing.
func (NopHandler) ResizeDB(size, expires uint64) error { return nil }

// SlotInfo does nothing.
func (NopHandler) SlotInfo(slot, size, expires uint64) error { return nil }

// Function does nothing.
func (NopHandler) Function(code []byte) error { return nil }

// ModuleAux does nothing.
func (NopHandler) ModuleAux(m ModuleType, when int) error { return nil }

// String does nothing.
func (NopHandler) String(key []byte, info KeyInfo, value []byte) error { return nil }

// StartList does nothing.
func (NopHandler) StartList(key []byte, info KeyInfo) error { return nil }

// ListItem does nothing.
func (NopHandler) ListItem(item []byte) error { return nil }

// EndList does nothing.
func (NopHandler) EndList(key []byte) error { return nil }

// StartSet does nothing.
func (NopHandler) StartSet(key []byte, info KeyInfo) error { return nil }

// SetMember does nothing.
func (NopHandler) SetMember(member []byte) error { return nil }

// EndSet does nothing.
func (NopHandler) EndSet(key []byte) error { return nil }

// StartZSet does nothing.
func (NopHandler) StartZSet(key []byte, info KeyInfo) error { return nil }

// ZSetMember does nothing.
func (NopHandler) ZSetMember(member []byte, score float64) error { return nil }

// EndZSet does nothing.
func (NopHandler) EndZSet(key []byte) error { return nil }

// StartHash does nothing.
func (NopHandler) StartHash(key []byte, info KeyInfo) error { return nil }

// HashField does nothing.
func (NopHandler) HashField(field, value []byte, expireMs int64) error { return nil }

// EndHash does nothing.
func (NopHandler) EndHash(key []byte) error { return nil }

// StartStream does nothing.
func (NopHandler) StartStream(key []byte, info KeyInfo) error { return nil }

// StreamEntry does nothing.
func (NopHandler) StreamEntry(id StreamID, fields [][]byte) error { return nil }

// StreamMeta does nothing.
func (NopHandler) StreamMeta(m StreamMeta) error { return nil }

// StreamGroup does nothing.
func (NopHandler) StreamGroup(g StreamGroup) error { return nil }

// StreamPendingEntry does nothing.
func (NopHandler) StreamPendingEntry(p StreamPendingEntry) error { return nil }

// StreamConsumer does nothing.
func (NopHandler) StreamConsumer(c StreamConsumer) error { return nil }

// StreamConsumerPending does nothing.
func (NopHandler) StreamConsumerPending(id StreamID) error { return nil }

// EndStream does nothing.
func (NopHandler) EndStream(key []byte) error { return nil }

// Module does nothing (the value is skipped).
func (NopHandler) Module(key []byte, info KeyInfo, m ModuleType) error { return nil }
