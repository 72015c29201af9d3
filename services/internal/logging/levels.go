package logging

import (
	"context"
	"log/slog"
	"sync"
)

// Levels are the process's log levels, changeable while it runs: a default and one per module
// (config log.level and log.modules). `eim serve` applies them again on SIGHUP.
type Levels struct {
	mu        sync.Mutex
	def       slog.LevelVar
	overrides map[string]slog.Level
	modules   map[string]*slog.LevelVar
}

// NewLevels returns the levels def and modules (module name to level name).
func NewLevels(def string, modules map[string]string) *Levels {
	l := &Levels{modules: map[string]*slog.LevelVar{}}
	l.Set(def, modules)
	return l
}

// Set changes the default level to def and the modules' levels to modules; a module not in
// modules follows the default again.
func (l *Levels) Set(def string, modules map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.def.Set(parseLevel(def))
	l.overrides = make(map[string]slog.Level, len(modules))
	for m, lv := range modules {
		l.overrides[m] = parseLevel(lv)
	}
	for m, v := range l.modules {
		v.Set(l.levelOf(m))
	}
}

func (l *Levels) levelOf(module string) slog.Level {
	if lv, ok := l.overrides[module]; ok {
		return lv
	}
	return l.def.Level()
}

// Default is the default level, for the process's own logger.
func (l *Levels) Default() slog.Leveler { return &l.def }

// module returns the level variable of module, created at the current level.
func (l *Levels) module(name string) *slog.LevelVar {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.modules[name]
	if !ok {
		v = new(slog.LevelVar)
		v.Set(l.levelOf(name))
		l.modules[name] = v
	}
	return v
}

// levelHandler drops the records below its level; the handler it wraps logs every level.
type levelHandler struct {
	inner slog.Handler
	level slog.Leveler
}

var _ slog.Handler = levelHandler{}

// Enabled reports whether level reaches the handler's level.
func (h levelHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// Handle passes the record on.
func (h levelHandler) Handle(ctx context.Context, r slog.Record) error { return h.inner.Handle(ctx, r) }

// WithAttrs keeps the level around the derived handler.
func (h levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return levelHandler{inner: h.inner.WithAttrs(as), level: h.level}
}

// WithGroup keeps the level around the derived handler.
func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{inner: h.inner.WithGroup(name), level: h.level}
}

// ForModule returns the logger of module: log's output at the module's level in levels (the
// modules add their own "module" attribute). A log not made by NewWithLevels, or nil levels,
// gives log itself.
func ForModule(log *slog.Logger, levels *Levels, module string) *slog.Logger {
	h, ok := log.Handler().(levelHandler)
	if !ok || levels == nil {
		return log
	}
	return slog.New(levelHandler{inner: h.inner, level: levels.module(module)})
}
