package migrate

import (
	"slices"
	"text/template"
	"text/template/parse"
)

// keyFuncs returns the functions that read a value by keys written as string literals after it
// (index .Values.argo "a" "b") or before it (dig "a" "b" default .Values.argo): handed
// .Values.argo, they read only the keys they name.
func keyFuncs() []string { return []string{"index", "dig", "hasKey", "get", "pluck"} }

// readsWholeArgo reports whether the template may read keys of .Values.argo it does not name:
// an action hands all of .Values or .Values.argo (or the root context, . outside with and range,
// or $) to a function other than the key readers with written-out keys, prints it, ranges over
// it, or binds the dot or a variable to it. A key name built from parts in a separate action
// ($k := printf ...; index $v $k, with $v bound to part of .Values.argo) is not followed; EMF's
// templates write theirs out.
func readsWholeArgo(t *template.Template) bool {
	s := &argoScan{whole: map[string]bool{"$": true}}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Root != nil {
			s.list(tt.Root, true)
		}
	}
	return s.found
}

// argoScan walks a template's parse tree.
type argoScan struct {
	whole map[string]bool // variables bound to all of .Values or .Values.argo
	found bool
}

func (s *argoScan) list(l *parse.ListNode, dotWhole bool) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		s.node(n, dotWhole)
	}
}

func (s *argoScan) node(n parse.Node, dotWhole bool) {
	switch x := n.(type) {
	case *parse.ActionNode:
		s.pipe(x.Pipe, dotWhole)
	case *parse.IfNode:
		s.pipe(x.Pipe, dotWhole)
		s.list(x.List, dotWhole)
		s.list(x.ElseList, dotWhole)
	case *parse.RangeNode:
		s.branch(&x.BranchNode, dotWhole)
	case *parse.WithNode:
		s.branch(&x.BranchNode, dotWhole)
	case *parse.TemplateNode:
		if x.Pipe != nil && s.pipeWhole(x.Pipe, dotWhole) {
			s.found = true
		}
	case *parse.ListNode:
		s.list(x, dotWhole)
	}
}

// branch walks with and range: inside, the dot is the pipeline's value.
func (s *argoScan) branch(b *parse.BranchNode, dotWhole bool) {
	inner := s.pipeWhole(b.Pipe, dotWhole)
	if inner {
		s.found = true // ranging over, or binding the dot to, all of the values
	}
	s.list(b.List, inner)
	s.list(b.ElseList, dotWhole)
}

// pipe checks each command of an action's pipeline and records variables it binds.
func (s *argoScan) pipe(p *parse.PipeNode, dotWhole bool) {
	if p == nil {
		return
	}
	whole := s.pipeWhole(p, dotWhole)
	for _, v := range p.Decl {
		s.whole[v.Ident[0]] = whole
	}
	if whole && len(p.Decl) == 0 {
		s.found = true // printed, or handed on
	}
}

// pipeWhole reports whether the pipeline's value is all of the values, and records any command
// that hands them to a function other than the key readers.
func (s *argoScan) pipeWhole(p *parse.PipeNode, dotWhole bool) bool {
	if p == nil {
		return false
	}
	whole := false
	for i, c := range p.Cmds {
		whole = s.cmdWhole(c, dotWhole, i > 0 && whole)
	}
	return whole
}

// cmdWhole reports whether the command's value is all of the values: the command is one whole
// argument, or a function other than the key readers received one (the function may read any
// key: found).
func (s *argoScan) cmdWhole(c *parse.CommandNode, dotWhole, piped bool) bool {
	if len(c.Args) == 0 {
		return false
	}
	if len(c.Args) == 1 {
		return s.argWhole(c.Args[0], dotWhole) || (piped && isIdent(c.Args[0]))
	}
	fn, isFn := c.Args[0].(*parse.IdentifierNode)
	keyed := isFn && slices.Contains(keyFuncs(), fn.Ident)
	for _, a := range c.Args[1:] {
		if !s.argWhole(a, dotWhole) && !isLiteral(a) {
			keyed = false // a key computed at run time: the function may read any key
		}
	}
	for _, a := range c.Args[1:] {
		if s.argWhole(a, dotWhole) && !keyed {
			s.found = true
		}
		if p, ok := a.(*parse.PipeNode); ok {
			s.pipe(p, dotWhole)
		}
	}
	if piped && !keyed {
		s.found = true
	}
	return false
}

// isLiteral reports whether an argument is written out: a string, number, boolean or nil.
func isLiteral(n parse.Node) bool {
	switch n.(type) {
	case *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode:
		return true
	}
	return false
}

func isIdent(n parse.Node) bool {
	_, ok := n.(*parse.IdentifierNode)
	return ok
}

// argWhole reports whether an argument is all of .Values or .Values.argo: .Values, .Values.argo,
// $.Values(.argo), $, the dot where it is the root, or a variable bound to one of them.
func (s *argoScan) argWhole(n parse.Node, dotWhole bool) bool {
	switch x := n.(type) {
	case *parse.DotNode:
		return dotWhole
	case *parse.FieldNode:
		return dotWhole && wholeIdent(x.Ident)
	case *parse.VariableNode:
		if len(x.Ident) == 1 {
			return s.whole[x.Ident[0]]
		}
		return x.Ident[0] == "$" && wholeIdent(x.Ident[1:])
	case *parse.ChainNode:
		return false
	case *parse.PipeNode:
		return s.pipeWhole(x, dotWhole)
	}
	return false
}

// wholeIdent reports whether a field chain stops at .Values or .Values.argo.
func wholeIdent(id []string) bool {
	return (len(id) == 1 && id[0] == "Values") || (len(id) == 2 && id[0] == "Values" && id[1] == "argo")
}
