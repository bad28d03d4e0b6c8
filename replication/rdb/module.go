package rdb

// Module value opcodes (rdb.h RDB_MODULE_OPCODE_*).
const (
	modOpEOF    = 0
	modOpSInt   = 1
	modOpUInt   = 2
	modOpFloat  = 3
	modOpDouble = 4
	modOpString = 5
)

// module reports a MODULE_2 key and skips its value, walking the
// self-describing opcode stream as redis-check-rdb's rdbLoadCheckModuleValue
// does.
func (d *decoder) module(info KeyInfo, start int64) error {
	id, err := d.r.readLength("module id")
	if err != nil {
		return err
	}
	if err := d.h.Module(d.key, info, moduleTypeFromID(id)); err != nil {
		return err
	}
	return d.skipModuleValue()
}

// moduleAux reads a MODULE_AUX block header and skips its data.
func (d *decoder) moduleAux(start int64) error {
	id, err := d.r.readLength("module aux id")
	if err != nil {
		return err
	}
	m := moduleTypeFromID(id)
	op, err := d.r.readLength("module aux when opcode")
	if err != nil {
		return err
	}
	if op != modOpUInt {
		return d.corrupt(start, "module aux of %s: when opcode %d, want %d", m.Name, op, modOpUInt)
	}
	when, err := d.r.readLength("module aux when")
	if err != nil {
		return err
	}
	if when != 1 && when != 2 {
		return d.corrupt(start, "module aux of %s: bad when %d", m.Name, when)
	}
	if err := d.h.ModuleAux(m, int(when)); err != nil {
		return err
	}
	return d.skipModuleValue()
}

func (d *decoder) skipModuleValue() error {
	for {
		off := d.r.off
		op, err := d.r.readLength("module opcode")
		if err != nil {
			return err
		}
		switch op {
		case modOpEOF:
			return nil
		case modOpSInt, modOpUInt:
			_, err = d.r.readLength("module integer")
		case modOpFloat:
			err = d.r.skipN(4, "module float")
		case modOpDouble:
			err = d.r.skipN(8, "module double")
		case modOpString:
			err = d.r.skipString("module string")
		default:
			return d.corrupt(off, "unknown module opcode %d", op)
		}
		if err != nil {
			return err
		}
	}
}
