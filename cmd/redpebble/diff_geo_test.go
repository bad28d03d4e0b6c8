package main

import (
	"slices"
	"strconv"
	"testing"
)

// Differential tests of GEO and SORT.

func init() {
	genSets["geo"] = geoGens
	genSets["sort"] = sortGens
}

func TestDiffGeo(t *testing.T) {
	runDiff(t, geoGens, diffDefaultN)
}

func TestDiffSort(t *testing.T) {
	runDiff(t, sortGens, diffDefaultN)
}

// geoCenters are clusters where points are added and searched: Sicily, the
// origin, both sides of the antimeridian, near the poles' limits, Paris.
var geoCenters = [][2]float64{{13.36, 38.11}, {0, 0}, {179.9, 10}, {-179.9, -10}, {20, 82}, {-70, -84.9}, {2.35, 48.85}}

func (g *gen) geoKey() string {
	if g.chance(0.85) {
		return g.pick("geo:1", "geo:2")
	}
	return g.key()
}

func (g *gen) geoMember() string {
	if g.chance(0.9) {
		return "p" + strconv.Itoa(g.r.Intn(60))
	}
	return g.pick("", "nonex", "Palermo", "bin\x00\xff")
}

func (g *gen) geoPoint() (string, string) {
	if g.chance(0.05) {
		return g.pick("180", "-180", "180.0001", "abc", "inf", "0x10", ""), g.pick("85.05112878", "-85.05112878", "85.06", "0", "nan")
	}
	c := geoCenters[g.r.Intn(len(geoCenters))]
	lon := min(max(c[0]+g.r.Float64()*3-1.5, -180), 180)
	lat := min(max(c[1]+g.r.Float64()*2-1, -85.05), 85.05)
	return strconv.FormatFloat(lon, 'f', 6, 64), strconv.FormatFloat(lat, 'f', 6, 64)
}

func (g *gen) geoUnit() string {
	if g.chance(0.95) {
		return g.randomCase(g.pick("m", "km", "mi", "ft"))
	}
	return g.pick("mm", "", "kilometers")
}

func (g *gen) geoRadius() string {
	if g.chance(0.9) {
		return g.pick("0", "1", "10", "50", "100", "200", "500", "1000", "5000", "20000")
	}
	return g.pick("-1", "abc", "1e400", "inf")
}

func (g *gen) geoSearchOpts(store bool) []string {
	var args []string
	for i, n := 0, g.r.Intn(4); i < n; i++ {
		switch g.r.Intn(7) {
		case 0:
			args = append(args, g.pick("ASC", "DESC"))
		case 1:
			args = append(args, "COUNT", g.pick("1", "2", "3", "5", "10", "0", "-1", "x"))
			if g.chance(0.3) {
				args = append(args, "ANY")
			}
		case 2:
			args = append(args, "ANY")
		default:
			if !store || g.chance(0.1) {
				args = append(args, g.pick("WITHDIST", "WITHCOORD", "WITHHASH"))
			}
		}
	}
	return args
}

func (g *gen) geoFromBy() []string {
	var args []string
	if g.chance(0.5) {
		args = append(args, "FROMMEMBER", g.geoMember())
	} else {
		lon, lat := g.geoPoint()
		args = append(args, "FROMLONLAT", lon, lat)
	}
	if g.chance(0.5) {
		args = append(args, "BYRADIUS", g.geoRadius(), g.geoUnit())
	} else {
		args = append(args, "BYBOX", g.geoRadius(), g.geoRadius(), g.geoUnit())
	}
	if g.chance(0.05) {
		args = args[:2] // missing BY*
	}
	return args
}

var geoGens = []genFunc{
	{8, func(g *gen) diffCmd {
		args := []string{"GEOADD", g.geoKey()}
		if g.chance(0.3) {
			args = append(args, g.pick("NX", "XX", "CH", "CH", "NX", "XX"))
		}
		if g.chance(0.1) {
			args = append(args, "CH")
		}
		for i, n := 0, 1+g.r.Intn(4); i < n; i++ {
			lon, lat := g.geoPoint()
			args = append(args, lon, lat, g.geoMember())
		}
		if g.chance(0.03) {
			args = args[:len(args)-1]
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd {
		return exact("GEOPOS", g.geoKey(), g.geoMember(), g.geoMember())
	}},
	{3, func(g *gen) diffCmd {
		args := []string{"GEODIST", g.geoKey(), g.geoMember(), g.geoMember()}
		if g.chance(0.7) {
			args = append(args, g.geoUnit())
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd { return exact("GEOHASH", g.geoKey(), g.geoMember(), g.geoMember()) }},
	{6, func(g *gen) diffCmd {
		args := append([]string{"GEOSEARCH", g.geoKey()}, g.geoFromBy()...)
		return exact(append(args, g.geoSearchOpts(false)...)...)
	}},
	{2, func(g *gen) diffCmd {
		args := append([]string{"GEOSEARCHSTORE", g.pick("geo:dst", "geo:1"), g.geoKey()}, g.geoFromBy()...)
		args = append(args, g.geoSearchOpts(true)...)
		if g.chance(0.4) {
			args = append(args, "STOREDIST")
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd {
		lon, lat := g.geoPoint()
		name := g.pick("GEORADIUS", "GEORADIUS_RO")
		args := []string{name, g.geoKey(), lon, lat, g.geoRadius(), g.geoUnit()}
		args = append(args, g.geoSearchOpts(false)...)
		if name == "GEORADIUS" && g.chance(0.3) {
			args = append(args, g.pick("STORE", "STOREDIST"), "geo:dst")
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd {
		name := g.pick("GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO")
		args := []string{name, g.geoKey(), g.geoMember(), g.geoRadius(), g.geoUnit()}
		args = append(args, g.geoSearchOpts(false)...)
		if name == "GEORADIUSBYMEMBER" && g.chance(0.3) {
			args = append(args, g.pick("STORE", "STOREDIST"), "geo:dst")
		}
		return exact(args...)
	}},
	{1, func(g *gen) diffCmd { return exact("ZSCORE", g.geoKey(), g.geoMember()) }},
	{1, func(g *gen) diffCmd { return exact("DEL", g.pick("geo:1", "geo:2", "geo:dst")) }},
	{1, func(g *gen) diffCmd { return exact("SET", g.pick("geo:2", "geo:dst"), "x") }},
	{1, func(g *gen) diffCmd { return exact("TYPE", g.pick("geo:1", "geo:dst")) }},
}

// sortGens build lists, sets and sorted sets with numeric and text elements
// and weight/data strings and hashes for BY and GET patterns.
var sortElems = []string{"1", "2", "3", "10", "-5", "2.5", "1e2", "abc", "", "b\x00a", " 7", "0x10", "inf", "pear", "apple", "Banana"}

func (g *gen) sortElem() string { return sortElems[g.r.Intn(len(sortElems))] }

func (g *gen) sortKey() string { return g.pick("sl:1", "sl:2", "ss:1", "sz:1", "sz:2", "nokey", "a") }

var sortGens = []genFunc{
	{4, func(g *gen) diffCmd {
		args := []string{"RPUSH", g.pick("sl:1", "sl:2")}
		for i, n := 0, 1+g.r.Intn(4); i < n; i++ {
			args = append(args, g.sortElem())
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		// Integers only: an intset iterates in order on both servers.
		return exact("SADD", "ss:1", strconv.Itoa(g.r.Intn(40)-10))
	}},
	{3, func(g *gen) diffCmd {
		return exact("ZADD", g.pick("sz:1", "sz:2"), strconv.Itoa(g.r.Intn(10)), g.sortElem())
	}},
	{3, func(g *gen) diffCmd {
		return exact("SET", "w_"+g.sortElem(), g.pick(strconv.Itoa(g.r.Intn(41)-20), "x", "1.5", "", " 2"))
	}},
	{2, func(g *gen) diffCmd {
		return exact("HSET", "h_"+g.sortElem(), g.pick("f", "g"), strconv.Itoa(g.r.Intn(10)))
	}},
	{10, func(g *gen) diffCmd {
		name := g.pick("SORT", "SORT", "SORT_RO")
		args := []string{name, g.sortKey()}
		for i, n := 0, g.r.Intn(5); i < n; i++ {
			switch g.r.Intn(8) {
			case 0:
				args = append(args, g.pick("ASC", "DESC"))
			case 1:
				args = append(args, "ALPHA")
			case 2:
				args = append(args, "LIMIT", strconv.Itoa(g.r.Intn(6)-1), strconv.Itoa(g.r.Intn(6)-1))
			case 3:
				// Sets keep hash order under nosort: only lists and zsets.
				if args[1] != "ss:1" {
					args = append(args, "BY", g.pick("nosort", "w_*", "h_*->f"))
				} else {
					args = append(args, "BY", g.pick("w_*", "h_*->f"))
				}
			case 4, 5:
				args = append(args, "GET", g.pick("#", "w_*", "h_*->g", "nostar"))
			case 6:
				if name == "SORT" {
					args = append(args, "STORE", g.pick("sl:dst", "sl:2"))
				}
			default:
				if g.chance(0.1) {
					args = append(args, g.pick("FOO", "LIMIT", "STORE"))
				}
			}
		}
		if args[1] == "sz:1" || args[1] == "sz:2" {
			// Equal ALPHA BY values leave a sorted set in its dict's
			// order, which Redis randomises per process.
			for i := 2; i < len(args)-1; i++ {
				if args[i] == "BY" && args[i+1] != "nosort" {
					args = slices.DeleteFunc(args, func(a string) bool { return a == "ALPHA" })
					break
				}
			}
		}
		return exact(args...)
	}},
	{1, func(g *gen) diffCmd { return exact("LRANGE", g.pick("sl:dst", "sl:2"), "0", "-1") }},
	{1, func(g *gen) diffCmd { return exact("DEL", g.sortKey()) }},
}
