package consent

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// MethodEd25519 is the verification method of egov's signatures: Ed25519
// over the signature's payload, base64url without padding.
const MethodEd25519 = "Ed25519"

// signingKey is the platform's active key.
type signingKey struct {
	kid     string
	private ed25519.PrivateKey
}

// key returns the active signing key, making one on first use. Replicas
// starting together race on the unique active index; the loser reads the
// winner's key.
func (s *Service) key(ctx context.Context) (*signingKey, error) {
	for range 2 {
		var kid, sealed string
		err := s.db.QueryRowContext(ctx, `SELECT kid, private_key FROM consent_keys WHERE active`).Scan(&kid, &sealed)
		if err == nil {
			seed, err := s.sealer.Open("consent key "+kid, sealed)
			if err != nil {
				return nil, err
			}
			return &signingKey{kid: kid, private: ed25519.NewKeyFromSeed(seed)}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		kid = keyID(pub)
		_, err = s.db.ExecContext(ctx, `INSERT INTO consent_keys (kid, private_key, public_key, active, created_at)
			VALUES ($1, $2, $3, TRUE, $4)`, kid, s.sealer.Seal("consent key "+kid, priv.Seed()), []byte(pub), s.now())
		if err != nil && !store.IsUniqueViolation(err) {
			return nil, err
		}
	}
	return nil, errors.New("consent: no signing key")
}

// keyID is the first 16 bytes of the public key's SHA-256, in hex.
func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

// signedBy names the key in verificationSignedBy.
func signedBy(kid string) string { return "egov-consent-key:" + kid }

// payload is what a signature signs, as the specification's
// Signature.payload lists it.
type payload struct {
	VerificationPayload          string `json:"verificationPayload"`
	VerificationPayloadHash      string `json:"verificationPayloadHash"`
	VerificationMethod           string `json:"verificationMethod"`
	VerificationArtifact         string `json:"verificationArtifact"`
	VerificationSignedBy         string `json:"verificationSignedBy"`
	VerificationJwsHeader        string `json:"verificationJwsHeader"`
	Timestamp                    string `json:"timestamp"`
	SignedWithoutObjectReference bool   `json:"signedWithoutObjectReference"`
	ObjectType                   string `json:"objectType"`
	ObjectReference              string `json:"objectReference"`
}

// prepare fills sig's payload for rev, to be signed by kid.
func prepare(sig *Signature, rev *Revision, kid, artifact string, at time.Time) error {
	sig.RevisionID = rev.ID
	sig.Method, sig.VerificationPayload, sig.PayloadHash = MethodEd25519, rev.Snapshot, rev.Hash
	sig.Artifact, sig.SignedBy, sig.SignedAs, sig.At = artifact, signedBy(kid), "individual", at
	raw, err := json.Marshal(payload{VerificationPayload: rev.Snapshot, VerificationPayloadHash: rev.Hash,
		VerificationMethod: MethodEd25519, VerificationArtifact: artifact, VerificationSignedBy: sig.SignedBy,
		Timestamp: at.Format(time.RFC3339Nano), SignedWithoutObjectReference: rev.ID == "", ObjectType: "revision",
		ObjectReference: rev.ID})
	sig.Payload = string(raw)
	return err
}

// ErrTampered is a record whose signature does not hold: the record, its
// revision or the signature changed after signing.
var ErrTampered = errs.E(errs.Conflict, "consent.error.tampered")

// verify checks that sig signs rev under a key of the platform and that
// rev's snapshot is the record as it is now.
func (s *Service) verify(ctx context.Context, q querier, rec *Record, rev *Revision, sig *Signature) error {
	if sig == nil || sig.Value == "" {
		return errs.E(errs.Conflict, "consent.error.not_signed")
	}
	if hashOf(rev.Snapshot) != rev.Hash || sig.RevisionID != rev.ID || rev.ID != rec.RevisionID {
		return ErrTampered
	}
	var p payload
	if err := json.Unmarshal([]byte(sig.Payload), &p); err != nil || p.VerificationPayloadHash != rev.Hash ||
		p.VerificationPayload != rev.Snapshot || p.ObjectReference != rev.ID || p.VerificationSignedBy != sig.SignedBy {
		return ErrTampered
	}
	var pub []byte
	if len(sig.SignedBy) <= len(signedBy("")) {
		return ErrTampered
	}
	err := q.QueryRowContext(ctx, `SELECT public_key FROM consent_keys WHERE kid = $1`, sig.SignedBy[len(signedBy("")):]).Scan(&pub)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrTampered
	}
	if err != nil {
		return err
	}
	value, err := base64.RawURLEncoding.DecodeString(sig.Value)
	if err != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, []byte(sig.Payload), value) {
		return ErrTampered
	}
	var now, signed json.RawMessage
	if now, err = json.Marshal(recordData(rec)); err != nil {
		return err
	}
	var snap snapshot
	if err := json.Unmarshal([]byte(rev.Snapshot), &snap); err != nil {
		return ErrTampered
	}
	signed = snap.ObjectData
	if string(now) != string(signed) || snap.ObjectID != rec.ID {
		return ErrTampered
	}
	return nil
}
