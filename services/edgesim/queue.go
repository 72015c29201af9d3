package edgesim

// kind is what a scheduled event does.
type kind uint8

const (
	kindSystemInfo kind = iota
	kindHeartbeat
	kindPoll
	kindCount
)

// event is a call due at a time: 16 bytes, so that a schedule of 100,000 nodes with three
// pending events each stays a few megabytes.
type event struct {
	at      int64 // unix nanoseconds
	node    int32
	kind    kind
	attempt uint8 // 0: the regular call; n: its n-th retry
}

// queue is a binary min-heap of events by time, without the boxing of container/heap.
type queue []event

func (q *queue) push(e event) {
	*q = append(*q, e)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (q *queue) pop() event {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(h) && h[l].at < h[small].at {
			small = l
		}
		if r := l + 1; r < len(h) && h[r].at < h[small].at {
			small = r
		}
		if small == i {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
	*q = h
	return top
}
