package migrate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"go.yaml.in/yaml/v3"
)

// Source is one legacy values document.
type Source struct {
	// Name identifies the document in errors and in the report, usually its file name.
	Name string
	// Data is the YAML text.
	Data []byte
	// Chart, when set, names the legacy chart the values belong to (a sub-chart such as
	// "inventory" or an umbrella such as "infra-core"): the values are nested where that chart
	// sits. When empty the document is taken as `helm get values` output of an umbrella release
	// or an EMF values file, and known sub-chart keys are moved under their umbrella.
	Chart string
}

// SyntaxError is a malformed YAML document, with the position of the problem.
type SyntaxError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error formats the problem as file:line:column: message.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// helmHeader matches the first line `helm get values` prints without -o yaml.
var helmHeader = regexp.MustCompile(`^(USER-SUPPLIED|COMPUTED) VALUES:\s*\n`)

// parseTree decodes one YAML document into a Tree. An empty or null document is an empty tree;
// a document whose top level is not a mapping, a second document, or a syntax error is an
// error naming the file, line and column.
func parseTree(name string, data []byte) (Tree, error) {
	data = helmHeader.ReplaceAll(data, nil)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Tree{}, nil
		}
		return nil, locate(name, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil && !isNull(&extra) {
		return nil, &SyntaxError{File: name, Line: extra.Line, Column: extra.Column,
			Msg: "a second YAML document starts here; a values file holds one document"}
	} else if err != nil && !errors.Is(err, io.EOF) {
		return nil, locate(name, data, err)
	}
	if isNull(&doc) {
		return Tree{}, nil
	}
	top := &doc
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	if top.Kind != yaml.MappingNode {
		return nil, &SyntaxError{File: name, Line: top.Line, Column: top.Column,
			Msg: "the top level is not a mapping of keys to values"}
	}
	var v any
	if err := top.Decode(&v); err != nil {
		return nil, locate(name, data, err)
	}
	t, _ := normalize(v).(Tree)
	if t == nil {
		t = Tree{}
	}
	return t, nil
}

func isNull(n *yaml.Node) bool {
	if n.Kind == yaml.DocumentNode {
		return len(n.Content) == 0 || isNull(n.Content[0])
	}
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

var v3Line = regexp.MustCompile(`line (\d+): `)

// locate turns a decoding error into a SyntaxError. A second parser, which reports the column
// of the offending token, gives the position and message when it also fails; otherwise the
// line is the YAML decoder's and the column the line's first non-blank one.
func locate(name string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	se := &SyntaxError{File: name, Msg: msg}
	if m := v3Line.FindStringSubmatch(msg); m != nil {
		se.Line, _ = strconv.Atoi(m[1])
		se.Msg = strings.Replace(msg, m[0], "", 1)
	}
	if _, perr := goccyparser.ParseBytes(data, 0); perr != nil {
		var gse *goccy.SyntaxError
		if errors.As(perr, &gse) && gse.GetToken() != nil {
			pos := gse.GetToken().Position
			se.Line, se.Column, se.Msg = pos.Line, pos.Column, gse.GetMessage()
		}
	}
	if se.Line == 0 {
		se.Line = 1
	}
	if se.Column == 0 {
		se.Column = firstColumn(data, se.Line)
	}
	return se
}

func firstColumn(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	return len(l) - len(bytes.TrimLeft(l, " \t")) + 1
}

// normalizeSource places a parsed document in the normalized legacy tree: under its chart's
// path when the chart is known, otherwise with known sub-chart keys and their import toggles
// moved under their umbrella.
func normalizeSource(t Tree, chart string) Tree {
	if chart != "" {
		return nest(t, ChartPath(chart)...)
	}
	charts := legacyCharts()
	out := Tree{}
	for k, v := range t {
		switch info, known := charts[k]; {
		case k == "import":
			merge(out, normalizeImports(v))
		case known:
			merge(out, nest(Tree{k: v}, info.Path[:len(info.Path)-1]...))
		default:
			merge(out, Tree{k: v})
		}
	}
	return out
}

// normalizeImports moves each import.<chart> toggle next to the chart it enables.
func normalizeImports(v any) Tree {
	m, ok := v.(Tree)
	if !ok {
		return Tree{"import": v}
	}
	charts := legacyCharts()
	out := Tree{}
	for k, e := range m {
		info, known := charts[k]
		if !known {
			merge(out, Tree{"import": Tree{k: e}})
			continue
		}
		parent := append(Path{}, info.Path[:len(info.Path)-1]...)
		merge(out, nest(Tree{k: e}, append(parent, "import")...))
	}
	return out
}
