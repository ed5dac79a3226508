package server

import (
	"bytes"
	"errors"
)

// Stored idempotency replays are encrypted: the response to POST
// /v1/api-keys carries a key's only copy of its secret, and a client whose
// first response was lost must get it back, but the database must never hold
// it in plaintext. Every route's replay is sealed alike, so no route can be
// forgotten.
//
// Format: replaySealed, then the AES-GCM nonce and ciphertext. The AAD binds
// a body to its principal and Idempotency-Key, so a ciphertext copied to
// another record does not open.
var replaySealed = []byte("ocr1:")

func replayAAD(principal, key string) string { return "idempotency\x00" + principal + "\x00" + key }

func (s *Server) sealReplay(principal, key string, body []byte) ([]byte, error) {
	if len(body) == 0 {
		return nil, nil
	}
	nonce, ct, err := s.keyring.Seal(string(body), replayAAD(principal, key))
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(replaySealed)+len(nonce)+len(ct))
	out = append(append(append(out, replaySealed...), nonce...), ct...)
	return out, nil
}

// openReplay decrypts a stored body. Bodies stored in plaintext by an older
// version (replayable for at most a day) are returned as they are.
func (s *Server) openReplay(principal, key string, stored []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(stored, replaySealed)
	if !ok {
		return stored, nil
	}
	const nonceSize = 12 // AES-GCM's standard nonce
	if len(rest) < nonceSize {
		return nil, errors.New("stored idempotent response is truncated")
	}
	plain, err := s.keyring.Open(rest[:nonceSize], rest[nonceSize:], replayAAD(principal, key))
	if err != nil {
		return nil, err
	}
	return []byte(plain), nil
}
