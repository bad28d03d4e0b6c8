package server

import "math"

// Correctly rounded sin, cos and asin for the haversine distance. Redis gets
// them from glibc, whose results are the correctly rounded ones (almost
// always); Go's math package is off by an ulp often enough that STOREDIST
// scores differed. These evaluate in double-double arithmetic and round.

type dd struct{ hi, lo float64 }

func ddTwoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func ddQuick(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func ddAdd(a, b dd) dd {
	s := ddTwoSum(a.hi, b.hi)
	return ddQuick(s.hi, s.lo+a.lo+b.lo)
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	return ddQuick(p, e+(a.hi*b.lo+a.lo*b.hi))
}

func ddDivF(a dd, n float64) dd {
	q := a.hi / n
	p := q * n
	e := math.FMA(q, n, -p)
	return ddQuick(q, (a.hi-p-e+a.lo)/n)
}

// ddSinCos returns sin x or cos x (|x| <= a few units) by Taylor series.
func ddSinCos(x float64, cos bool) dd {
	x2 := ddMul(dd{x, 0}, dd{x, 0})
	term, k := dd{x, 0}, 1.0
	if cos {
		term, k = dd{1, 0}, 0
	}
	sum := term
	for i := 0; i < 60; i++ {
		term = ddDivF(ddMul(term, x2), (k+1)*(k+2))
		term = dd{-term.hi, -term.lo}
		k += 2
		sum = ddAdd(sum, term)
		if math.Abs(term.hi) < 1e-36*math.Abs(sum.hi) || term.hi == 0 {
			break
		}
	}
	return sum
}

func crSin(x float64) float64 {
	if math.Abs(x) > 4 || x == 0 || math.IsNaN(x) {
		return math.Sin(x)
	}
	s := ddSinCos(x, false)
	return s.hi + s.lo
}

func crCos(x float64) float64 {
	if math.Abs(x) > 4 || math.IsNaN(x) {
		return math.Cos(x)
	}
	c := ddSinCos(x, true)
	return c.hi + c.lo
}

// crAsin refines math.Asin by one Newton step in double-double.
func crAsin(y float64) float64 {
	a := math.Asin(y)
	if math.IsNaN(a) || y == 0 || math.Abs(y) >= 1 {
		return a
	}
	s := ddSinCos(a, false)
	c := ddSinCos(a, true)
	diff := ddAdd(dd{y, 0}, dd{-s.hi, -s.lo})
	corr := (diff.hi + diff.lo) / (c.hi + c.lo)
	r := ddTwoSum(a, corr)
	return r.hi + r.lo
}
