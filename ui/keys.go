package ui

import "charm.land/bubbles/v2/key"

// KeyMap holds every binding of the interface, so that the help screen is
// generated from the same list the program reacts to.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding
	Back     key.Binding

	Batches       key.Binding
	Opportunities key.Binding
	Companies     key.Binding
	NextView      key.Binding
	PrevView      key.Binding

	Filter     key.Binding
	Sort       key.Binding
	Reverse    key.Binding
	TargetOnly key.Binding
	MinScore   key.Binding

	Raw        key.Binding
	Earlier    key.Binding
	Later      key.Binding
	ExportCSV  key.Binding
	ExportJSON key.Binding
	CopyURL    key.Binding
	CopyJSON   key.Binding
	Browse     key.Binding
	Samples    key.Binding
	Replay     key.Binding

	CopyPublicURL key.Binding

	Help key.Binding
	Quit key.Binding
}

func newKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d", "space"}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g/home", "first"),
		Bottom:   b([]string{"end", "G"}, "G/end", "last"),
		Open:     b([]string{"enter"}, "enter", "open"),
		Back:     b([]string{"esc", "backspace"}, "esc", "back, or clear the filter"),

		Batches:       b([]string{"1"}, "1", "batches"),
		Opportunities: b([]string{"2"}, "2", "all opportunities"),
		Companies:     b([]string{"3"}, "3", "companies"),
		NextView:      b([]string{"tab"}, "tab", "next view"),
		PrevView:      b([]string{"shift+tab"}, "shift+tab", "previous view"),

		Filter:     b([]string{"/"}, "/", "filter"),
		Sort:       b([]string{"s"}, "s", "sort by next column"),
		Reverse:    b([]string{"S"}, "S", "reverse the sort"),
		TargetOnly: b([]string{"t"}, "t", "targets only"),
		MinScore:   b([]string{"m"}, "m", "raise the minimum score"),

		Raw:        b([]string{"r"}, "r", "raw body and headers"),
		Earlier:    b([]string{"["}, "[", "earlier delivery"),
		Later:      b([]string{"]"}, "]", "later delivery"),
		ExportCSV:  b([]string{"e"}, "e", "export as CSV"),
		ExportJSON: b([]string{"E"}, "E", "export as JSON"),
		CopyURL:    b([]string{"y"}, "y", "copy LinkedIn URL"),
		CopyJSON:   b([]string{"Y"}, "Y", "copy row JSON"),
		Browse:     b([]string{"o"}, "o", "open LinkedIn"),
		Samples:    b([]string{"p"}, "p", "post samples"),
		Replay:     b([]string{"R"}, "R", "replay to --forward"),

		CopyPublicURL: b([]string{"u"}, "u", "copy the public URL"),

		Help: b([]string{"?"}, "?", "all keys"),
		Quit: b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the one-line reminder at the bottom of the screen.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.Filter, k.Opportunities, k.Companies, k.Raw,
		k.Samples, k.Help, k.Quit}
}

// FullHelp is the help screen, one column per concern.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open, k.Back},
		{k.Batches, k.Opportunities, k.Companies, k.NextView, k.PrevView, k.Earlier, k.Later},
		{k.Filter, k.Sort, k.Reverse, k.TargetOnly, k.MinScore},
		{k.Raw, k.ExportCSV, k.ExportJSON, k.CopyURL, k.CopyJSON, k.Browse, k.Samples,
			k.Replay, k.CopyPublicURL, k.Help, k.Quit},
	}
}
