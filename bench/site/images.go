package site

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"sync"
)

// jpegBases are the pictures the articles' lead images are made from.
const jpegBases = 64

var (
	basesOnce sync.Once
	bases     [jpegBases][]byte
)

// genJPEG returns article id's lead picture: one of 64 drawn pictures
// (320x200, a hue gradient with soft rings and pseudo-random grain, so that
// it weighs ~10-20 KB like a real small photo; quality 80), made distinct
// by a JPEG comment segment naming the article, right after the SOI marker.
func genJPEG(id uint64) []byte {
	basesOnce.Do(func() {
		var wg sync.WaitGroup
		for k := range jpegBases {
			wg.Go(func() {
				img := pattern(320, 200, float64(k*37%360), uint32(k+1)*2654435761)
				var buf bytes.Buffer
				_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
				bases[k] = buf.Bytes()
			})
		}
		wg.Wait()
	})
	base := bases[id%jpegBases]
	com := []byte(fmt.Sprintf("The Daily Bench, article %d", id))
	out := make([]byte, 0, len(base)+len(com)+4)
	out = append(out, base[:2]...)                                         // SOI
	out = append(out, 0xFF, 0xFE, byte((len(com)+2)>>8), byte(len(com)+2)) // COM
	out = append(out, com...)
	return append(out, base[2:]...)
}

// genPNG draws shared picture k: 64x64.
func genPNG(k uint64) []byte {
	img := pattern(64, 64, float64(k*53%360), uint32(k*40503+7))
	var buf bytes.Buffer
	_ = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	return buf.Bytes()
}

func pattern(w, h int, hue float64, seed uint32) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rings := ringTable(w, h)
	x := seed | 1
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			grain := float64(int(x%17) - 8)
			hh := math.Mod(hue+float64(px)*60/float64(w), 360)
			l := 0.45 + 0.15*rings[py*w+px] + 0.1*float64(py)/float64(h)
			r, g, b := hsl(hh, 0.6, l)
			img.SetRGBA(px, py, color.RGBA{clamp(r*255 + grain), clamp(g*255 + grain), clamp(b*255 + grain), 255})
		}
	}
	return img
}

var rings sync.Map // [2]int{w, h} -> []float64

// ringTable is sin(distance from the centre / 5) for every pixel of a w x h
// picture, computed once per size.
func ringTable(w, h int) []float64 {
	if v, ok := rings.Load([2]int{w, h}); ok {
		return v.([]float64)
	}
	t := make([]float64, w*h)
	for py := range h {
		for px := range w {
			dx, dy := float64(px-w/2), float64(py-h/2)
			t[py*w+px] = math.Sin(math.Sqrt(dx*dx+dy*dy) / 5)
		}
	}
	rings.Store([2]int{w, h}, t)
	return t
}

func clamp(v float64) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

func hsl(h, s, l float64) (float64, float64, float64) {
	c := (1 - math.Abs(2*l-1)) * s
	hp := h / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r, g, b float64
	switch {
	case hp < 1:
		r, g, b = c, x, 0
	case hp < 2:
		r, g, b = x, c, 0
	case hp < 3:
		r, g, b = 0, c, x
	case hp < 4:
		r, g, b = 0, x, c
	case hp < 5:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	m := l - c/2
	return r + m, g + m, b + m
}
