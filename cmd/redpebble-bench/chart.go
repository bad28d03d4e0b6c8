package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
)

// series is one line of the chart.
type series struct {
	Name  string
	Color color.RGBA
	X, Y  []float64
}

var (
	colRedis     = color.RGBA{0xd6, 0x2d, 0x20, 0xff} // red
	colRedpebble = color.RGBA{0x1f, 0x5f, 0xbf, 0xff} // blue
	colAxis      = color.RGBA{0x30, 0x30, 0x30, 0xff}
	colGrid      = color.RGBA{0xe0, 0xe0, 0xe0, 0xff}
	colMark      = color.RGBA{0x70, 0x70, 0x70, 0xff}
)

// writeLagChart draws the series (x in ms, y in bytes) as a line chart with
// axes, grid, tick labels, a legend, a title and an optional vertical marker
// at markX (the end of the load; NaN for none), and encodes it as PNG.
func writeLagChart(w io.Writer, title string, ss []series, markX float64) error {
	const W, H = 900, 420
	const left, right, top, bottom = 70, 20, 40, 40
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	maxX, maxY := 1.0, 1.0
	for _, s := range ss {
		for i := range s.X {
			maxX = math.Max(maxX, s.X[i])
			maxY = math.Max(maxY, s.Y[i])
		}
	}
	if !math.IsNaN(markX) {
		maxX = math.Max(maxX, markX)
	}
	unit := 1.0
	switch {
	case maxY >= 1<<20:
		unit = 1 << 20
	case maxY >= 1<<10:
		unit = 1 << 10
	}
	stepX, stepY := niceStep(maxX/6), niceStep(maxY/unit/5)*unit
	maxX = math.Ceil(maxX/stepX) * stepX
	maxY = math.Ceil(maxY/stepY) * stepY
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	px := func(x float64) int { return left + int(math.Round(x/maxX*pw)) }
	py := func(y float64) int { return H - bottom - int(math.Round(y/maxY*ph)) }

	for x := 0.0; x <= maxX+stepX/2; x += stepX {
		line(img, px(x), top, px(x), H-bottom, colGrid)
		drawText(img, px(x)-textWidth(fmtNum(x))/2, H-bottom+8, fmtNum(x), colAxis)
	}
	for y := 0.0; y <= maxY+stepY/2; y += stepY {
		line(img, left, py(y), W-right, py(y), colGrid)
		lbl := fmtBytes(y)
		drawText(img, left-8-textWidth(lbl), py(y)-5, lbl, colAxis)
	}
	line(img, left, top, left, H-bottom, colAxis)
	line(img, left, H-bottom, W-right, H-bottom, colAxis)
	if !math.IsNaN(markX) {
		for y := top; y < H-bottom; y += 6 {
			line(img, px(markX), y, px(markX), min(y+3, H-bottom), colMark)
		}
		drawText(img, px(markX)+4, top+4, "load stops", colMark)
	}
	for _, s := range ss {
		for i := 1; i < len(s.X); i++ {
			thick(img, px(s.X[i-1]), py(s.Y[i-1]), px(s.X[i]), py(s.Y[i]), s.Color)
		}
	}
	drawText(img, left, 14, title, colAxis)
	drawText(img, W-right-textWidth("time (ms)"), H-14, "time (ms)", colAxis)
	lx := W - right - 200
	for i, s := range ss {
		y := top + 8 + i*16
		for d := 0; d < 3; d++ {
			line(img, lx, y+4+d, lx+20, y+4+d, s.Color)
		}
		drawText(img, lx+26, y, s.Name, colAxis)
	}
	return png.Encode(w, img)
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func fmtNum(x float64) string { return fmt.Sprintf("%g", x) }

func fmtBytes(y float64) string {
	switch {
	case y >= 1<<20:
		return fmt.Sprintf("%gmb", math.Round(y/(1<<20)*10)/10)
	case y >= 1<<10:
		return fmt.Sprintf("%gkb", math.Round(y/(1<<10)*10)/10)
	}
	return fmt.Sprintf("%gb", y)
}

func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func thick(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	line(img, x0, y0, x1, y1, c)
	line(img, x0, y0+1, x1, y1+1, c)
	line(img, x0+1, y0, x1+1, y1, c)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// font is a 3x5 pixel font (rows top to bottom, 3 bits each, MSB left) for
// the characters the chart needs; others draw as blanks. Drawn at 2x.
var font = map[rune][5]uint8{
	'0': {7, 5, 5, 5, 7}, '1': {2, 6, 2, 2, 7}, '2': {7, 1, 7, 4, 7}, '3': {7, 1, 3, 1, 7},
	'4': {5, 5, 7, 1, 1}, '5': {7, 4, 7, 1, 7}, '6': {7, 4, 7, 5, 7}, '7': {7, 1, 1, 2, 2},
	'8': {7, 5, 7, 5, 7}, '9': {7, 5, 7, 1, 7}, '.': {0, 0, 0, 0, 2}, '-': {0, 0, 7, 0, 0},
	'/': {1, 1, 2, 4, 4}, '(': {2, 4, 4, 4, 2}, ')': {2, 1, 1, 1, 2}, ':': {0, 2, 0, 2, 0},
	'+': {0, 2, 7, 2, 0}, '=': {0, 7, 0, 7, 0}, ',': {0, 0, 0, 2, 4}, 'x': {0, 5, 2, 5, 0},
	'a': {0, 6, 3, 5, 7}, 'b': {4, 6, 5, 5, 6}, 'c': {0, 7, 4, 4, 7}, 'd': {1, 3, 5, 5, 3},
	'e': {0, 6, 7, 4, 3}, 'f': {3, 4, 6, 4, 4}, 'g': {7, 5, 7, 1, 6}, 'h': {4, 6, 5, 5, 5},
	'i': {2, 0, 2, 2, 2}, 'j': {1, 0, 1, 5, 2}, 'k': {4, 5, 6, 5, 5}, 'l': {6, 2, 2, 2, 7},
	'm': {0, 7, 7, 5, 5}, 'n': {0, 6, 5, 5, 5}, 'o': {0, 7, 5, 5, 7}, 'p': {0, 7, 5, 7, 4},
	'q': {0, 7, 5, 7, 1}, 'r': {0, 7, 4, 4, 4}, 's': {0, 3, 6, 1, 6}, 't': {4, 7, 4, 4, 3},
	'u': {0, 5, 5, 5, 7}, 'v': {0, 5, 5, 5, 2}, 'w': {0, 5, 5, 7, 7}, 'y': {5, 5, 7, 1, 6},
	'z': {0, 7, 1, 4, 7},
}

const glyphScale = 2

func textWidth(s string) int { return len([]rune(s)) * 4 * glyphScale }

func drawText(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, r := range strings.ToLower(s) {
		g := font[r]
		for row := 0; row < 5; row++ {
			for col := 0; col < 3; col++ {
				if g[row]&(4>>col) == 0 {
					continue
				}
				for dy := 0; dy < glyphScale; dy++ {
					for dx := 0; dx < glyphScale; dx++ {
						img.SetRGBA(x+col*glyphScale+dx, y+row*glyphScale+dy, c)
					}
				}
			}
		}
		x += 4 * glyphScale
	}
}
