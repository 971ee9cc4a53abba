package events

import "strconv"

// appendEnvelope appends the canonical encoding of env (what marshal
// writes) without reflection, when every string in it is plain printable
// ASCII without quotes or backslashes, which needs no escaping; ok=false
// otherwise, and the caller uses marshal. The payload is written as it is:
// Seal passes marshal's compact output, which encoding/json would copy
// unchanged. Sealing is on every command's path, and reflection was most of
// its cost.
func appendEnvelope(b []byte, env *Envelope) (_ []byte, ok bool) {
	for _, s := range [...]string{env.ID, env.Org, env.Type, env.Aggregate, env.Recorded, env.Date, env.Actor, env.Command, env.CommandHash, env.Prev} {
		if !Plain(s) {
			return b, false
		}
	}
	if len(env.Payload) == 0 {
		return b, false
	}
	if env.Sig != nil && !(Plain(env.Sig.Key) && Plain(env.Sig.Alg) && Plain(env.Sig.Sig)) {
		return b, false
	}
	str := func(name, v string) {
		b = append(b, name...)
		b = append(b, '"')
		b = append(b, v...)
		b = append(b, '"')
	}
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(env.V), 10)
	str(`,"id":`, env.ID)
	str(`,"org":`, env.Org)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, env.Seq, 10)
	str(`,"type":`, env.Type)
	b = append(b, `,"schema":`...)
	b = strconv.AppendInt(b, int64(env.Schema), 10)
	str(`,"aggregate":`, env.Aggregate)
	str(`,"recorded":`, env.Recorded)
	str(`,"date":`, env.Date)
	str(`,"actor":`, env.Actor)
	str(`,"command":`, env.Command)
	str(`,"command_hash":`, env.CommandHash)
	b = append(b, `,"payload":`...)
	b = append(b, env.Payload...)
	if env.Sig != nil {
		str(`,"sig":{"key":`, env.Sig.Key)
		str(`,"alg":`, env.Sig.Alg)
		str(`,"sig":`, env.Sig.Sig)
		b = append(b, '}')
	}
	str(`,"prev":`, env.Prev)
	return append(b, '}'), true
}

// Plain reports whether encoding/json writes s as itself between quotes:
// printable ASCII other than '"' and '\\'. Hand-written encoders check it
// before copying a string.
func Plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendDues appends marshal's encoding of a dues receipt, the most common
// payload by far, without reflection; ok=false when a string needs
// escaping, and the caller uses marshal.
func appendDues(b []byte, p *DuesReceived) (_ []byte, ok bool) {
	for _, s := range [...]string{p.Member, p.Period, p.Receipt.Book, p.Receipt.Number, string(p.Via), string(p.Basis)} {
		if !Plain(s) {
			return b, false
		}
	}
	b = append(b, `{"member":"`...)
	b = append(b, p.Member...)
	b = append(b, `","period":"`...)
	b = append(b, p.Period...)
	b = append(b, `","amount_fen":`...)
	b = strconv.AppendInt(b, int64(p.Amount), 10)
	b = append(b, `,"receipt":{"book":"`...)
	b = append(b, p.Receipt.Book...)
	b = append(b, `","number":"`...)
	b = append(b, p.Receipt.Number...)
	b = append(b, `"},"via":"`...)
	b = append(b, p.Via...)
	b = append(b, '"')
	if p.Basis != "" {
		b = append(b, `,"basis":"`...)
		b = append(b, p.Basis...)
		b = append(b, '"')
	}
	return append(b, '}'), true
}
