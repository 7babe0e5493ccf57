package format

import "github.com/kizuki-dfir/kizuki/event"

func init() {
	Register(&Format{
		Name:        "raw",
		Description: "any text: every line kept as a raw event (chosen when no format fits)",
		Stateless:   true,
		Sniff:       func([]string) int { return 0 },
		New:         func(Options) (Decoder, error) { return rawDecoder{}, nil },
	})
}

type rawDecoder struct{}

func (rawDecoder) Decode(line string, ref event.Ref, emit Emit) {
	var ev event.Event
	Raw(&ev, line, ref)
	emit(&ev)
}

func (rawDecoder) Flush(Emit) {}
