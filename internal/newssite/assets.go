package newssite

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
)

type asset struct {
	contentType string
	data        []byte
}

// assets are the site's images and media, by path; filled once by initAssets
// and read-only afterwards.
var assets map[string]asset

// initAssets generates the images deterministically: JPEGs are 160x120,
// PNGs 64x64 (the sizes the articles' data-width/data-height state).
// /img/city-copy.jpg has the same bytes as /img/city.jpg.
func initAssets() {
	assets = make(map[string]asset)
	specs := []struct {
		name string
		hue  float64
	}{
		{"city.jpg", 210}, {"station.png", 20}, {"museum.png", 270}, {"harvest.jpg", 45},
		{"harvest-poster.jpg", 30}, {"marathon.jpg", 0}, {"oldstreet.jpg", 150},
		{"library.png", 90}, {"birds.jpg", 190}, {"canteen.png", 330},
	}
	for i, sp := range specs {
		png := strings.HasSuffix(sp.name, ".png")
		w, h := 160, 120
		if png {
			w, h = 64, 64
		}
		img := pattern(w, h, sp.hue, uint32(i+1)*2654435761)
		var buf bytes.Buffer
		ct := "image/jpeg"
		if png {
			ct = "image/png"
			_ = pngEncode(&buf, img)
		} else {
			_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
		}
		assets["/img/"+sp.name] = asset{ct, buf.Bytes()}
	}
	assets["/img/city-copy.jpg"] = assets["/img/city.jpg"]
	assets["/media/harvest.mp4"] = asset{"video/mp4", mp4Stub()}
}

func pngEncode(buf *bytes.Buffer, img image.Image) error {
	return (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(buf, img)
}

// pattern draws a deterministic picture: a hue gradient with soft rings and
// a little pseudo-random grain (so the files are a few KB, not a few bytes).
func pattern(w, h int, hue float64, seed uint32) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := seed | 1
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			grain := float64(int(x%17) - 8)
			dx, dy := float64(px-w/2), float64(py-h/2)
			ring := math.Sin(math.Sqrt(dx*dx+dy*dy) / 4)
			hh := math.Mod(hue+float64(px)*40/float64(w), 360)
			l := 0.45 + 0.15*ring + 0.1*float64(py)/float64(h)
			r, g, b := hsl(hh, 0.6, l)
			img.Set(px, py, color.RGBA{clamp(r*255 + grain), clamp(g*255 + grain), clamp(b*255 + grain), 255})
		}
	}
	return img
}

func clamp(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

func hsl(h, s, l float64) (r, g, b float64) {
	c := (1 - math.Abs(2*l-1)) * s
	hp := h / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
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

// mp4Stub is a minimal ISO-BMFF file: an ftyp box and an empty mdat box.
// It is not playable; it only stands in for a video's bytes.
func mp4Stub() []byte {
	return []byte{
		0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
		'i', 's', 'o', 'm', 'm', 'p', '4', '1',
		0, 0, 0, 8, 'm', 'd', 'a', 't',
	}
}
