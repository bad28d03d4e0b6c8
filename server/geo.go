package server

import (
	"math"
	"strconv"
	"strings"
)

// Geohash math as Redis's geohash.c / geohash_helper.c: positions are 52-bit
// interleaved geohashes (latitude in the even bits, longitude in the odd
// ones) over longitude [-180,180] and latitude [-85.05112878,85.05112878],
// stored as sorted-set scores. Products are wrapped in float64() so no
// fused multiply-add changes a result the C code rounds step by step.

const (
	geoStepMax   = 26
	geoLatMin    = -85.05112878
	geoLatMax    = 85.05112878
	geoLongMin   = -180.0
	geoLongMax   = 180.0
	earthRadiusM = 6372797.560856
	mercatorMax  = 20037726.37
)

// piF makes degToRad a float64 division, as C's M_PI / 180.0.
var (
	piF      = math.Pi
	degToRad = piF / 180.0
)

type geoRange struct{ min, max float64 }

type geoHashBits struct {
	bits uint64
	step uint8
}

func (h geoHashBits) isZero() bool { return h.bits == 0 && h.step == 0 }

type geoArea struct {
	hash          geoHashBits
	longitude     geoRange
	latitude      geoRange
	isInitialised bool
}

var (
	geoLongRange = geoRange{geoLongMin, geoLongMax}
	geoLatRange  = geoRange{geoLatMin, geoLatMax}
)

func interleave64(xlo, ylo uint32) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF}
	s := [...]uint{1, 2, 4, 8, 16}
	x, y := uint64(xlo), uint64(ylo)
	for i := 4; i >= 0; i-- {
		x = (x | x<<s[i]) & b[i]
		y = (y | y<<s[i]) & b[i]
	}
	return x | y<<1
}

func deinterleave64(v uint64) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0x00000000FFFFFFFF}
	s := [...]uint{0, 1, 2, 4, 8, 16}
	x, y := v, v>>1
	for i := 0; i < 6; i++ {
		x = (x | x>>s[i]) & b[i]
		y = (y | y>>s[i]) & b[i]
	}
	return x | y<<32
}

// geohashEncode is geohashEncode: false when the position is outside the
// indexable area or the ranges.
func geohashEncode(lonR, latR geoRange, lon, lat float64, step uint8) (geoHashBits, bool) {
	if step > 32 || step == 0 || (latR.min == 0 && latR.max == 0) || (lonR.min == 0 && lonR.max == 0) {
		return geoHashBits{}, false
	}
	if lon > geoLongMax || lon < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoHashBits{}, false
	}
	h := geoHashBits{step: step}
	if lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return h, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min)
	scale := float64(uint64(1) << step)
	latOff = float64(latOff * scale)
	lonOff = float64(lonOff * scale)
	h.bits = interleave64(uint32(latOff), uint32(lonOff))
	return h, true
}

func geohashEncodeWGS84(lon, lat float64, step uint8) (geoHashBits, bool) {
	return geohashEncode(geoLongRange, geoLatRange, lon, lat, step)
}

func geohashDecode(lonR, latR geoRange, h geoHashBits) (geoArea, bool) {
	if h.isZero() || (latR.min == 0 && latR.max == 0) || (lonR.min == 0 && lonR.max == 0) {
		return geoArea{}, false
	}
	a := geoArea{hash: h}
	sep := deinterleave64(h.bits)
	latScale := latR.max - latR.min
	lonScale := lonR.max - lonR.min
	ilato := uint32(sep)
	ilono := uint32(sep >> 32)
	div := float64(uint64(1) << h.step)
	a.latitude.min = latR.min + float64(float64(ilato)*1.0/div*latScale)
	a.latitude.max = latR.min + float64(float64(ilato+1)*1.0/div*latScale)
	a.longitude.min = lonR.min + float64(float64(ilono)*1.0/div*lonScale)
	a.longitude.max = lonR.min + float64(float64(ilono+1)*1.0/div*lonScale)
	return a, true
}

// areaToLonLat is geohashDecodeAreaToLongLat.
func areaToLonLat(a geoArea) (lon, lat float64) {
	lon = (a.longitude.min + a.longitude.max) / 2
	lon = min(max(lon, geoLongMin), geoLongMax)
	lat = (a.latitude.min + a.latitude.max) / 2
	lat = min(max(lat, geoLatMin), geoLatMax)
	return lon, lat
}

// geoDecodeScore is decodeGeohash: the position of a sorted-set score.
func geoDecodeScore(score float64) (lon, lat float64, ok bool) {
	a, ok := geohashDecode(geoLongRange, geoLatRange, geoHashBits{bits: uint64(score), step: geoStepMax})
	if !ok {
		return 0, 0, false
	}
	lon, lat = areaToLonLat(a)
	return lon, lat, true
}

// geoAlign52 is geohashAlign52Bits.
func geoAlign52(h geoHashBits) uint64 { return h.bits << (52 - uint(h.step)*2) }

// geoScore is the sorted-set score GEOADD stores for a position.
func geoScore(lon, lat float64) float64 {
	h, _ := geohashEncodeWGS84(lon, lat, geoStepMax)
	return float64(geoAlign52(h))
}

const geoAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geoHashString is GEOHASH's 11-character standard geohash of a score.
func geoHashString(score float64) (string, bool) {
	lon, lat, ok := geoDecodeScore(score)
	if !ok {
		return "", false
	}
	h, _ := geohashEncode(geoRange{-180, 180}, geoRange{-90, 90}, lon, lat, 26)
	var buf [11]byte
	for i := 0; i < 11; i++ {
		idx := 0
		if i < 10 {
			idx = int(h.bits >> (52 - (uint(i)+1)*5) & 0x1f)
		}
		buf[i] = geoAlphabet[idx]
	}
	return string(buf[:]), true
}

func degRad(a float64) float64 { return float64(a * degToRad) }
func radDeg(a float64) float64 { return a / degToRad }

func geoLatDistance(lat1, lat2 float64) float64 {
	return float64(earthRadiusM * math.Abs(degRad(lat2)-degRad(lat1)))
}

// geoDistance is geohashGetDistance: the haversine distance in meters.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := degRad(lon1), degRad(lon2)
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := math.Sin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(math.Cos(lat1r)*math.Cos(lat2r))*v)*v)
	return float64(2.0*earthRadiusM) * math.Asin(math.Sqrt(a))
}

func geoMoveX(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.step)*2)
	h.bits = x | y
}

func geoMoveY(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= 0x5555555555555555 >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// geoNeighbors are the 8 boxes around a hash, in Redis's search order
// after the box itself: N S E W NE NW SE SW.
type geoNeighbors struct {
	north, south, east, west, northEast, northWest, southEast, southWest geoHashBits
}

func geohashNeighbors(h geoHashBits) geoNeighbors {
	move := func(dx, dy int) geoHashBits {
		n := h
		geoMoveX(&n, dx)
		geoMoveY(&n, dy)
		return n
	}
	return geoNeighbors{
		east: move(1, 0), west: move(-1, 0), south: move(0, -1), north: move(0, 1),
		northWest: move(-1, 1), southWest: move(-1, -1), northEast: move(1, 1), southEast: move(1, -1),
	}
}

// Search shapes.
const (
	geoCircular = iota
	geoRectangle
)

type geoShape struct {
	kind          int
	lon, lat      float64
	conversion    float64 // meters per unit
	radius        float64 // circular, in units
	width, height float64 // rectangle, in units
	bounds        [4]float64
}

func geoEstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	step = min(max(step, 1), 26)
	return uint8(step)
}

func geoBoundingBox(s *geoShape) {
	var height, width float64
	if s.kind == geoCircular {
		height = float64(s.conversion * s.radius)
		width = height
	} else {
		height = float64(s.conversion * (s.height / 2))
		width = float64(s.conversion * (s.width / 2))
	}
	latDelta := radDeg(height / earthRadiusM)
	longDeltaTop := radDeg(width / earthRadiusM / math.Cos(degRad(s.lat+latDelta)))
	longDeltaBottom := radDeg(width / earthRadiusM / math.Cos(degRad(s.lat-latDelta)))
	if s.lat < 0 {
		s.bounds[0] = s.lon - longDeltaBottom
		s.bounds[2] = s.lon + longDeltaBottom
	} else {
		s.bounds[0] = s.lon - longDeltaTop
		s.bounds[2] = s.lon + longDeltaTop
	}
	s.bounds[1] = s.lat - latDelta
	s.bounds[3] = s.lat + latDelta
}

// geoSearchAreas is geohashCalculateAreasByShapeWGS84: the center box and
// its useful neighbors (zero hashes for excluded ones), in search order.
func geoSearchAreas(s *geoShape) [9]geoHashBits {
	geoBoundingBox(s)
	minLon, minLat, maxLon, maxLat := s.bounds[0], s.bounds[1], s.bounds[2], s.bounds[3]
	var radiusM float64
	if s.kind == geoCircular {
		radiusM = s.radius
	} else {
		radiusM = math.Sqrt(float64(s.width/2*(s.width/2)) + float64(s.height/2*(s.height/2)))
	}
	radiusM = float64(radiusM * s.conversion)
	steps := geoEstimateSteps(radiusM, s.lat)
	hash, _ := geohashEncode(geoLongRange, geoLatRange, s.lon, s.lat, steps)
	nb := geohashNeighbors(hash)
	area, _ := geohashDecode(geoLongRange, geoLatRange, hash)
	dec := func(h geoHashBits) geoArea { a, _ := geohashDecode(geoLongRange, geoLatRange, h); return a }
	north, south, east, west := dec(nb.north), dec(nb.south), dec(nb.east), dec(nb.west)
	decrease := north.latitude.max < maxLat || south.latitude.min > minLat ||
		east.longitude.max < maxLon || west.longitude.min > minLon
	if steps > 1 && decrease {
		steps--
		hash, _ = geohashEncode(geoLongRange, geoLatRange, s.lon, s.lat, steps)
		nb = geohashNeighbors(hash)
		area, _ = geohashDecode(geoLongRange, geoLatRange, hash)
	}
	if steps >= 2 {
		if area.latitude.min < minLat {
			nb.south, nb.southWest, nb.southEast = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.latitude.max > maxLat {
			nb.north, nb.northEast, nb.northWest = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.longitude.min < minLon {
			nb.west, nb.southWest, nb.northWest = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.longitude.max > maxLon {
			nb.east, nb.southEast, nb.northEast = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
	}
	return [9]geoHashBits{hash, nb.north, nb.south, nb.east, nb.west, nb.northEast, nb.northWest, nb.southEast, nb.southWest}
}

// geoBoxScores is scoresOfGeoHashBox: the score range [min, max) of a box.
func geoBoxScores(h geoHashBits) (lo, hi float64) {
	lo = float64(geoAlign52(h))
	h.bits++
	hi = float64(geoAlign52(h))
	return lo, hi
}

// geoWithin is geoWithinShape: the decoded position of score and its
// distance from the center (in meters) if it lies in the shape.
func geoWithin(s *geoShape, score float64) (lon, lat, dist float64, ok bool) {
	lon, lat, ok = geoDecodeScore(score)
	if !ok {
		return 0, 0, 0, false
	}
	if s.kind == geoCircular {
		dist = geoDistance(s.lon, s.lat, lon, lat)
		return lon, lat, dist, dist <= float64(s.radius*s.conversion)
	}
	w, h := float64(s.width*s.conversion), float64(s.height*s.conversion)
	if geoLatDistance(lat, s.lat) > h/2 {
		return lon, lat, 0, false
	}
	if geoDistance(lon, lat, s.lon, lat) > w/2 {
		return lon, lat, 0, false
	}
	return lon, lat, geoDistance(s.lon, s.lat, lon, lat), true
}

// formatHumanDouble is ld2string(LD_STR_HUMAN) of a double: "%.17Lf" of its
// exact value without trailing zeros (GEOPOS, WITHCOORD).
func formatHumanDouble(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', 17, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// formatFixed6 is C's "%f" (the GEOADD error text).
func formatFixed6(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// parseDouble is Redis's string2d (strtod, whole string, no leading space,
// no overflow or underflow to zero, no NaN).
func parseDouble(p []byte) (float64, bool) {
	if len(p) == 0 || isCSpace(p[0]) {
		return 0, false
	}
	s := string(p)
	body := strings.TrimLeft(s, "+-")
	if strings.ContainsRune(s, '_') {
		return 0, false
	}
	if len(body) > 2 && (body[:2] == "0x" || body[:2] == "0X") && !strings.ContainsAny(body, "pP") {
		s += "p0" // strtod takes hex without an exponent
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if f == 0 && strings.ContainsAny(mantissa(body), "123456789abcdefABCDEF") {
		return 0, false // underflow: strtod reports ERANGE
	}
	return f, true
}

func mantissa(s string) string {
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		if i := strings.IndexAny(s, "pP"); i >= 0 {
			return s[2:i]
		}
		return s[2:]
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		return s[:i]
	}
	return s
}
