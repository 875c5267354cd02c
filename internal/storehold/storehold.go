package storehold

import (
	"sync"

	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
)

var (
	mu    sync.Mutex
	holds = map[storage.Store]int{}
)

// Acquire takes a hold on the store behind ref, if ref is a
// containers-storage reference, and returns its release; for any other
// transport release does nothing. Call release exactly once, when every
// image source, image and layer stream opened from ref is closed.
func Acquire(ref types.ImageReference) (release func()) {
	s := storeOf(ref)
	if s == nil {
		return func() {}
	}
	mu.Lock()
	holds[s]++
	mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { drop(s) }) }
}

func drop(s storage.Store) {
	mu.Lock()
	holds[s]--
	last := holds[s] == 0
	if last {
		delete(holds, s)
	}
	mu.Unlock()
	if last {
		// Shutdown(false) leaves mounted layers (a container another part
		// of the process still uses) alone and then does nothing; its error
		// is not the reader's.
		_, _ = s.Shutdown(false)
	}
}

// storeOf is the store a storage-transport reference was parsed against;
// the reference's Transport() carries it.
func storeOf(ref types.ImageReference) storage.Store {
	if ref == nil {
		return nil
	}
	st, ok := ref.Transport().(istorage.StoreTransport)
	if !ok {
		return nil
	}
	return st.GetStoreIfSet()
}
