package workflow

import (
	"context"
	"fmt"
	"sync"
)

// fakeNotifier records messages in memory; err, when set, answers posts.
type fakeNotifier struct {
	mu    sync.Mutex
	posts []fakePost
	users map[string]string
	err   func(n int) error
	calls int
	// onPost, when set, sees every post first (and may panic, as a bug
	// in rendering or posting would).
	onPost func(dest string, msg message)
	// updates are the in-place updates, with the ts in TS.
	updates []fakePost
}

type fakePost struct {
	Dest string
	Msg  message
	TS   string
}

func newFakeNotifier() *fakeNotifier {
	return &fakeNotifier{users: map[string]string{"anna@acme.de": "UANNA", "ben@acme.de": "UBEN"}}
}

func (f *fakeNotifier) kind() string { return "slack" }

func (f *fakeNotifier) post(_ context.Context, dest string, msg message) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.onPost != nil {
		f.onPost(dest, msg)
	}
	if f.err != nil {
		if err := f.err(f.calls); err != nil {
			return "", "", err
		}
	}
	ts := fmt.Sprintf("%d.000", len(f.posts)+1)
	f.posts = append(f.posts, fakePost{Dest: dest, Msg: msg, TS: ts})
	return dest, ts, nil
}

func (f *fakeNotifier) update(_ context.Context, channel, ts string, msg message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, fakePost{Dest: channel, Msg: msg, TS: ts})
	return nil
}

func (f *fakeNotifier) updated() []fakePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakePost(nil), f.updates...)
}

func (f *fakeNotifier) lookupUser(_ context.Context, email string) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.users[email]
	if !ok {
		return "", "", fmt.Errorf("users.lookupByEmail: users_not_found")
	}
	return id, "Anna", nil
}

func (f *fakeNotifier) snapshot() []fakePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakePost(nil), f.posts...)
}
