package server

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redpebble/redpebble/resp"
)

// GEO commands (geo.c) over sorted sets whose scores are 52-bit geohashes
// (geo.go). They read the sorted-set store through geoZSet
// (geo_sort_store.go); GEOADD is ZADD with the scores computed, and the
// STORE forms write through storeZset, as geo.c does.

// geoZSet is the sorted-set access the GEO commands read through.
type geoZSet interface {
	// Exists reports whether key holds a sorted set; an error wrapping
	// store.ErrWrongType if it holds another type.
	Exists(key []byte) (bool, error)
	// Score returns member's score.
	Score(key, member []byte) (score float64, found bool, err error)
	// RangeByScore calls fn in ZRANGEBYSCORE order (score, then member)
	// for the members with min <= score < max, until fn returns false.
	RangeByScore(key []byte, min, max float64, fn func(member []byte, score float64) bool) error
}

// newGeoZSet binds the sorted-set store to a client's transaction.
var newGeoZSet func(c *Client) geoZSet

func (s *Server) registerGeo() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "geoadd", cmdGeoadd)
	t.add(rc, "geopos", cmdGeopos)
	t.add(rc, "geodist", cmdGeodist)
	t.add(rc, "geohash", cmdGeohash)
	t.add(rc, "geosearch", func(c *Client) { georadiusGeneric(c, 1, geoSearch) }).consistent = true
	t.add(rc, "geosearchstore", func(c *Client) { georadiusGeneric(c, 2, geoSearch|geoSearchStore) })
	t.add(rc, "georadius", func(c *Client) { georadiusGeneric(c, 1, geoRadiusCoords) })
	t.add(rc, "georadius_ro", func(c *Client) { georadiusGeneric(c, 1, geoRadiusCoords|geoNoStore) }).consistent = true
	t.add(rc, "georadiusbymember", func(c *Client) { georadiusGeneric(c, 1, geoRadiusMember) })
	t.add(rc, "georadiusbymember_ro", func(c *Client) { georadiusGeneric(c, 1, geoRadiusMember|geoNoStore) }).consistent = true
}

// geoLonLat parses a longitude/latitude pair as extractLongLatOrReply.
func (c *Client) geoLonLat(i int) (lon, lat float64, ok bool) {
	if lon, ok = parseDouble(c.args[i]); !ok {
		c.errReply(errNotFloat)
		return 0, 0, false
	}
	if lat, ok = parseDouble(c.args[i+1]); !ok {
		c.errReply(errNotFloat)
		return 0, 0, false
	}
	if lon < geoLongMin || lon > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		c.errReply("ERR invalid longitude,latitude pair " + formatFixed6(lon) + "," + formatFixed6(lat))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoUnit is extractUnitOrReply: meters per unit.
func (c *Client) geoUnit(arg []byte) (float64, bool) {
	switch strings.ToLower(string(arg)) {
	case "m":
		return 1, true
	case "km":
		return 1000, true
	case "ft":
		return 0.3048, true
	case "mi":
		return 1609.34, true
	}
	c.errReply("ERR unsupported unit provided. please use M, KM, FT, MI")
	return 0, false
}

func (c *Client) geoDistanceArg(i int) (radius, conv float64, ok bool) {
	if radius, ok = parseDouble(c.args[i]); !ok {
		c.errReply("ERR need numeric radius")
		return 0, 0, false
	}
	if radius < 0 {
		c.errReply("ERR radius cannot be negative")
		return 0, 0, false
	}
	conv, ok = c.geoUnit(c.args[i+1])
	return radius, conv, ok
}

func (c *Client) geoBoxArg(i int) (w, h, conv float64, ok bool) {
	if w, ok = parseDouble(c.args[i]); !ok {
		c.errReply("ERR need numeric width")
		return 0, 0, 0, false
	}
	if h, ok = parseDouble(c.args[i+1]); !ok {
		c.errReply("ERR need numeric height")
		return 0, 0, 0, false
	}
	if h < 0 || w < 0 {
		c.errReply("ERR height or width cannot be negative")
		return 0, 0, 0, false
	}
	conv, ok = c.geoUnit(c.args[i+2])
	return w, h, conv, ok
}

// geoHumanDouble is addReplyHumanLongDouble.
func (c *Client) geoHumanDouble(f float64) {
	s := formatHumanDouble(f)
	if c.proto == resp.RESP3 {
		c.out = append(append(append(c.out, ','), s...), '\r', '\n')
		return
	}
	c.bulkString(s)
}

// geoReplyDistance is addReplyDoubleDistance: "%.4f" as a bulk string.
func (c *Client) geoReplyDistance(d float64) { c.bulkString(strconv.FormatFloat(d, 'f', 4, 64)) }

func cmdGeoadd(c *Client) {
	nx, xx := false, false
	longidx := 2
loop:
	for ; longidx < len(c.args); longidx++ {
		switch strings.ToLower(string(c.args[longidx])) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "ch":
		default:
			break loop
		}
	}
	if (len(c.args)-longidx)%3 != 0 || (xx && nx) || len(c.args) == longidx {
		c.errReply(errSyntax)
		return
	}
	n := (len(c.args) - longidx) / 3
	argv := make([][]byte, 0, longidx+2*n)
	argv = append(argv, []byte("zadd"), c.args[1])
	argv = append(argv, c.args[2:longidx]...)
	for i := 0; i < n; i++ {
		lon, lat, ok := c.geoLonLat(longidx + i*3)
		if !ok {
			return
		}
		// ZADD parses the integer text GEOADD writes, which is exact.
		argv = append(argv, strconv.AppendUint(nil, uint64(geoScore(lon, lat)), 10), c.args[longidx+i*3+2])
	}
	// As geoaddCommand: replace the argument vector and run ZADD, which
	// sends the "zadd" event.
	args := c.args
	c.args = argv
	zaddGeneric(c, false)
	c.args = args
	c.propAlso(argv...) // propagated as the zadd it ran, as Redis (when it changed anything)
}

func cmdGeopos(c *Client) {
	z := newGeoZSet(c)
	found, err := z.Exists(c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	mark := len(c.out)
	c.arrayLen(len(c.args) - 2)
	for _, m := range c.args[2:] {
		var score float64
		ok := false
		if found {
			if score, ok, err = z.Score(c.args[1], m); err != nil {
				c.out = c.out[:mark]
				c.fail(err)
				return
			}
		}
		var lon, lat float64
		if ok {
			lon, lat, ok = geoDecodeScore(score)
		}
		if !ok {
			c.nullArray()
			continue
		}
		c.arrayLen(2)
		c.geoHumanDouble(lon)
		c.geoHumanDouble(lat)
	}
}

func cmdGeodist(c *Client) {
	conv := 1.0
	switch {
	case len(c.args) == 5:
		var ok bool
		if conv, ok = c.geoUnit(c.args[4]); !ok {
			return
		}
	case len(c.args) > 5:
		c.errReply(errSyntax)
		return
	}
	z := newGeoZSet(c)
	key := c.args[1]
	found, err := z.Exists(key)
	if err != nil {
		c.fail(err)
		return
	}
	if !found {
		c.null()
		return
	}
	s1, ok1, err := z.Score(key, c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	s2, ok2, err := z.Score(key, c.args[3])
	if err != nil {
		c.fail(err)
		return
	}
	if !ok1 || !ok2 {
		c.null()
		return
	}
	lon1, lat1, ok1 := geoDecodeScore(s1)
	lon2, lat2, ok2 := geoDecodeScore(s2)
	if !ok1 || !ok2 {
		c.null()
		return
	}
	c.geoReplyDistance(geoDistance(lon1, lat1, lon2, lat2) / conv)
}

func cmdGeohash(c *Client) {
	z := newGeoZSet(c)
	found, err := z.Exists(c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	mark := len(c.out)
	c.arrayLen(len(c.args) - 2)
	for _, m := range c.args[2:] {
		var score float64
		ok := false
		if found {
			if score, ok, err = z.Score(c.args[1], m); err != nil {
				c.out = c.out[:mark]
				c.fail(err)
				return
			}
		}
		var h string
		if ok {
			h, ok = geoHashString(score)
		}
		if !ok {
			c.null()
			continue
		}
		c.bulkString(h)
	}
}

// georadiusGeneric flags.
const (
	geoRadiusCoords = 1 << iota
	geoRadiusMember
	geoNoStore
	geoSearch
	geoSearchStore
)

const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

type geoPoint struct {
	lon, lat, dist, score float64
	member                []byte
}

// geoMemberPos is longLatFromMember.
func geoMemberPos(z geoZSet, key, member []byte) (lon, lat float64, ok bool, err error) {
	score, found, err := z.Score(key, member)
	if err != nil || !found {
		return 0, 0, false, err
	}
	lon, lat, ok = geoDecodeScore(score)
	return lon, lat, ok, nil
}

// georadiusGeneric is GEORADIUS[BYMEMBER][_RO] and GEOSEARCH[STORE].
func georadiusGeneric(c *Client, srcIdx int, flags int) {
	z := newGeoZSet(c)
	src := c.args[srcIdx]
	exists, err := z.Exists(src)
	if err != nil {
		c.fail(err)
		return
	}
	var storeKey []byte
	storeDist := false
	var shape geoShape
	var baseArgs int
	switch {
	case flags&geoRadiusCoords != 0:
		baseArgs = 6
		shape.kind = geoCircular
		var ok bool
		if shape.lon, shape.lat, ok = c.geoLonLat(2); !ok {
			return
		}
		if shape.radius, shape.conversion, ok = c.geoDistanceArg(baseArgs - 2); !ok {
			return
		}
	case flags&geoRadiusMember != 0 && !exists:
		baseArgs = 5
	case flags&geoRadiusMember != 0:
		baseArgs = 5
		shape.kind = geoCircular
		lon, lat, ok, err := geoMemberPos(z, src, c.args[2])
		if err != nil {
			c.fail(err)
			return
		}
		if !ok {
			c.errReply("ERR could not decode requested zset member")
			return
		}
		shape.lon, shape.lat = lon, lat
		if shape.radius, shape.conversion, ok = c.geoDistanceArg(baseArgs - 2); !ok {
			return
		}
	default: // GEOSEARCH
		baseArgs = 2
		if flags&geoSearchStore != 0 {
			baseArgs = 3
			storeKey = c.args[1]
		}
	}
	withDist, withHash, withCoords := false, false, false
	fromMember, fromLoc, byRadius, byBox := false, false, false, false
	sort := geoSortNone
	anyOpt := false
	var count int64
	remaining := len(c.args) - baseArgs
	for i := 0; i < remaining; i++ {
		j := baseArgs + i
		arg := strings.ToLower(string(c.args[j]))
		switch {
		case arg == "withdist":
			withDist = true
		case arg == "withhash":
			withHash = true
		case arg == "withcoord":
			withCoords = true
		case arg == "any":
			anyOpt = true
		case arg == "asc":
			sort = geoSortAsc
		case arg == "desc":
			sort = geoSortDesc
		case arg == "count" && i+1 < remaining:
			var ok bool
			if count, ok = c.argInt(j + 1); !ok {
				return
			}
			if count <= 0 {
				c.errReply("ERR COUNT must be > 0")
				return
			}
			i++
		case (arg == "store" || arg == "storedist") && i+1 < remaining && flags&geoNoStore == 0 && flags&geoSearch == 0:
			storeKey = c.args[j+1]
			storeDist = arg == "storedist"
			i++
		case arg == "storedist" && flags&geoSearch != 0 && flags&geoSearchStore != 0:
			storeDist = true
		case arg == "frommember" && i+1 < remaining && flags&geoSearch != 0 && !fromLoc:
			if !exists {
				fromMember = true
				i++
				continue
			}
			lon, lat, ok, err := geoMemberPos(z, src, c.args[j+1])
			if err != nil {
				c.fail(err)
				return
			}
			if !ok {
				c.errReply("ERR could not decode requested zset member")
				return
			}
			shape.lon, shape.lat = lon, lat
			fromMember = true
			i++
		case arg == "fromlonlat" && i+2 < remaining && flags&geoSearch != 0 && !fromMember:
			var ok bool
			if shape.lon, shape.lat, ok = c.geoLonLat(j + 1); !ok {
				return
			}
			fromLoc = true
			i += 2
		case arg == "byradius" && i+2 < remaining && flags&geoSearch != 0 && !byBox:
			var ok bool
			if shape.radius, shape.conversion, ok = c.geoDistanceArg(j + 1); !ok {
				return
			}
			shape.kind = geoCircular
			byRadius = true
			i += 2
		case arg == "bybox" && i+3 < remaining && flags&geoSearch != 0 && !byRadius:
			var ok bool
			if shape.width, shape.height, shape.conversion, ok = c.geoBoxArg(j + 1); !ok {
				return
			}
			shape.kind = geoRectangle
			byBox = true
			i += 3
		default:
			c.errReply(errSyntax)
			return
		}
	}
	if storeKey != nil && (withDist || withHash || withCoords) {
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		c.errReply("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		return
	}
	if flags&geoSearch != 0 && !fromMember && !fromLoc {
		c.errReply(fmt.Sprintf("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s", sanitize(string(c.args[0]))))
		return
	}
	if flags&geoSearch != 0 && !byRadius && !byBox {
		c.errReply(fmt.Sprintf("ERR exactly one of BYRADIUS and BYBOX can be specified for %s", sanitize(string(c.args[0]))))
		return
	}
	if anyOpt && count == 0 {
		c.errReply("ERR the ANY argument requires COUNT argument")
		return
	}
	if !exists {
		if storeKey != nil {
			c.storeZset(storeKey, nil, 0, "", true) // dbDelete, "del", :0
		} else {
			c.arrayLen(0)
		}
		return
	}
	if count != 0 && sort == geoSortNone && !anyOpt {
		sort = geoSortAsc
	}
	limit := int64(0)
	if anyOpt {
		limit = count
	}
	points, err := geoSearchPoints(z, src, &shape, limit)
	if err != nil {
		c.fail(err)
		return
	}
	if len(points) == 0 && storeKey == nil {
		c.arrayLen(0)
		return
	}
	returned := int64(len(points))
	if count != 0 && count < returned {
		returned = count
	}
	if sort != geoSortNone {
		cmp := func(a, b *geoPoint) int { return cmpFloat(a.dist, b.dist) }
		if sort == geoSortDesc {
			cmp = func(a, b *geoPoint) int { return -cmpFloat(a.dist, b.dist) }
		}
		if returned == int64(len(points)) {
			// glibc's qsort is a merge sort: stable.
			slices.SortStableFunc(points, func(a, b geoPoint) int { return cmp(&a, &b) })
		} else {
			pqsort(points, cmp, 0, int(returned)-1) // as Redis: equal distances keep pqsort's order
		}
	}
	points = points[:returned]
	for i := range points {
		points[i].dist /= shape.conversion
	}
	if storeKey == nil {
		opts := 0
		for _, b := range []bool{withDist, withCoords, withHash} {
			if b {
				opts++
			}
		}
		c.arrayLen(len(points))
		for _, p := range points {
			if opts > 0 {
				c.arrayLen(opts + 1)
			}
			c.bulk(p.member)
			if withDist {
				c.geoReplyDistance(p.dist)
			}
			if withHash {
				c.integer(int64(p.score))
			}
			if withCoords {
				c.arrayLen(2)
				c.geoHumanDouble(p.lon)
				c.geoHumanDouble(p.lat)
			}
		}
		return
	}
	els := make([]zElem, len(points))
	for i, p := range points {
		els[i] = zElem{member: p.member, score: p.score}
		if storeDist {
			els[i].score = p.dist
		}
	}
	event := "georadiusstore"
	if flags&geoSearch != 0 {
		event = "geosearchstore"
	}
	// A skiplist converted to a listpack if small enough, as geo.c.
	c.storeZset(storeKey, els, len(els), event, true)
}

func cmpFloat(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a == b:
		return 0
	}
	return -1
}

// geoSearchPoints is membersOfAllNeighbors: the members of key in the
// shape, box by box in Redis's order; limit > 0 stops after that many.
func geoSearchPoints(z geoZSet, key []byte, s *geoShape, limit int64) ([]geoPoint, error) {
	boxes := geoSearchAreas(s)
	var out []geoPoint
	last := 0
	for i, b := range boxes {
		if b.isZero() {
			continue
		}
		if last != 0 && b == boxes[last] {
			continue
		}
		if len(out) > 0 && limit > 0 && int64(len(out)) >= limit {
			break
		}
		lo, hi := geoBoxScores(b)
		err := z.RangeByScore(key, lo, hi, func(member []byte, score float64) bool {
			if lon, lat, dist, ok := geoWithin(s, score); ok {
				out = append(out, geoPoint{lon: lon, lat: lat, dist: dist, score: score, member: slices.Clone(member)})
			}
			return !(len(out) > 0 && limit > 0 && int64(len(out)) >= limit)
		})
		if err != nil {
			return nil, err
		}
		last = i
	}
	return out, nil
}
