package workflow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentAcknowledgementsOneWins(t *testing.T) {
	env := startJS(t)
	store := NewStore(env.cases, nil, nil)
	ctx := context.Background()
	for round := range 5 {
		c := goldenCase()
		c.ID = fmt.Sprintf("race%d", round)
		if err := store.create(ctx, c); err != nil {
			t.Fatal(err)
		}
		const clickers = 2
		var wg sync.WaitGroup
		errs := make([]error, clickers)
		start := make(chan struct{})
		for i := range clickers {
			wg.Go(func() {
				<-start
				_, errs[i] = store.Act(ctx, c.ID, fmt.Sprintf("U%d", i), ActionAck, "")
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var te *TransitionError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &te):
				if te.State != StateAcknowledged || te.By == "" {
					t.Errorf("loser told %+v", te)
				}
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d acknowledgements won, want exactly 1 (%v)", round, wins, errs)
		}
		got, _, err := store.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		acks := 0
		for _, ev := range got.History {
			if ev.Action == string(ActionAck) {
				acks++
			}
		}
		if got.State != StateAcknowledged || acks != 1 {
			t.Errorf("state %s with %d ack events, want acknowledged once", got.State, acks)
		}
	}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		from   State
		action Action
		to     State // "" = refused
	}{
		{StateAlerted, ActionAck, StateAcknowledged},
		{StateNew, ActionAck, StateAcknowledged},
		{StateAcknowledged, ActionAck, ""},
		{StateAcknowledged, ActionTake, StateAcknowledged},
		{StateAlerted, ActionSnooze, StateSnoozed},
		{StateSnoozed, ActionAck, StateAcknowledged},
		{StateAcknowledged, ActionReplied, StateReplied},
		{StateReplied, ActionResolve, StateResolved},
		{StateReplied, ActionAck, ""},
		{StateResolved, ActionAck, ""},
		{StateResolved, ActionFalsePositive, ""},
		{StateAlerted, ActionFalsePositive, StateFalsePositive},
		{StateFalsePositive, ActionResolve, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%s", tc.from, tc.action), func(t *testing.T) {
			c := &Case{ID: "x", State: tc.from, Owner: "anna@acme.de"}
			err := c.apply(tc.action, "UKIM", "note", testTime)
			if tc.to == "" {
				var te *TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("apply = %v, want a TransitionError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			last := c.History[len(c.History)-1]
			if c.State != tc.to || last.Actor != "UKIM" || last.From != tc.from || last.To != tc.to || !last.At.Equal(testTime) {
				t.Errorf("state %s, history %+v", c.State, last)
			}
			if tc.action == ActionTake && c.Owner != "UKIM" {
				t.Errorf("take left owner %s", c.Owner)
			}
		})
	}
}
