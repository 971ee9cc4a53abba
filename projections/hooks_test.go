package projections

// HoldCommits makes each of p's background commits wait until the next
// chunk is projected, or Run ends.
func (p *Projector) HoldCommits() { p.hold = make(chan struct{}) }
