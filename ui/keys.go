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
	Samples  key.Binding
	Earlier  key.Binding
	Later    key.Binding
	Help     key.Binding
	Quit     key.Binding
}

func newKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Samples: key.NewBinding(key.WithKeys("s"),
			key.WithHelp("s", "send samples")),
		Earlier: key.NewBinding(key.WithKeys("["),
			key.WithHelp("[", "earlier delivery of the batch")),
		Later: key.NewBinding(key.WithKeys("]"),
			key.WithHelp("]", "later delivery of the batch")),
		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line reminder at the bottom of the screen.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.Samples, k.Help, k.Quit}
}

// FullHelp is the help screen, one column per concern.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Back, k.Earlier, k.Later, k.Samples},
		{k.Help, k.Quit},
	}
}
