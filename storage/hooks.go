package storage

import "context"

// Hook runs inside a write transaction just before it commits; an error
// rolls the whole transaction back. The offline recorder uses it to append
// the outbox entry of a local write in the same commit as the write
// itself (docs/offline.md §3).
type Hook func(tx *Tx) error

type hookKey struct{}

// WithHook returns a context whose write transactions run h before they
// commit. Hooks accumulate and run in the order they were added, in every
// transaction of a context (not in those opened with cid 0); a hook that
// cares only about object changes checks Tx.Stamped.
func WithHook(ctx context.Context, h Hook) context.Context {
	prev, _ := ctx.Value(hookKey{}).([]Hook)
	hs := make([]Hook, len(prev), len(prev)+1)
	copy(hs, prev)
	return context.WithValue(ctx, hookKey{}, append(hs, h))
}

// WithoutHooks returns a context in which no hook of the parent runs.
func WithoutHooks(ctx context.Context) context.Context {
	return context.WithValue(ctx, hookKey{}, []Hook(nil))
}

func (t *Tx) runHooks() error {
	if t.cid == 0 || t.ctx == nil {
		return nil
	}
	hs, _ := t.ctx.Value(hookKey{}).([]Hook)
	for _, h := range hs {
		if err := h(t); err != nil {
			return err
		}
	}
	return nil
}

// Allocation is an id taken with NextID.
type Allocation struct {
	Kind string
	ID   int64
}

// Departure is an object that left a folder (a tombstone written).
type Departure struct {
	Module string
	Folder int64
	ID     int64
}

// Allocated lists the ids the transaction allocated, in order.
func (t *Tx) Allocated() []Allocation { return t.allocated }

// Departed lists the tombstones the transaction wrote, in order.
func (t *Tx) Departed() []Departure { return t.left }

// Stamped reports whether the transaction took a change-sequence stamp
// (changed an object of its context).
func (t *Tx) Stamped() bool { return t.stamp != 0 }

// AdvanceStamp moves the context's change sequence to at least ts, so the
// next stamp is newer than ts. The offline store keeps its sequence ahead
// of the server timestamps it pulls. Call it before Stamp: a stamp already
// taken keeps its value.
func (t *Tx) AdvanceStamp(ts int64) error {
	_, err := t.Exec(`UPDATE ctx_seq SET last = max(last, ?) WHERE cid = ?`, ts, t.cid)
	return err
}
