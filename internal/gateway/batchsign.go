package gateway

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Batch signatures. Every message between security servers is signed by
// the sender's key and verified by the receiver, and an ECDSA signature
// and its verification cost far more than the rest of an exchange. So,
// as X-Road's signer does, messages to be signed at about the same moment
// are signed together: their digests are the leaves of a Merkle tree
// (RFC 9162's, section 2.1.1), one signature covers its root, and each
// message carries that signature with its own inclusion proof. The
// receiver recomputes the root from the message and the proof, and
// verifies a root's signature once (verifiedRoots): the other messages of
// the batch only cost their proof's few hashes. A message changed on the
// way yields another root, whose signature does not verify.
//
// A message signed alone carries the plain signature of its digest, as
// before batching. The signature header is then
//
//	base64(signature)                                       signed alone
//	base64(signature);b1;INDEX;SIZE;base64(h1),base64(h2)…  in a batch
//
// where the signature is over batchRootDigest(root).

// signWindow is how long a signer waits for more messages to join a
// batch when other exchanges are under way (busy); a lone request is
// signed at once.
const signWindow = time.Millisecond

// signShare is the share of the exchanges in flight a busy signer waits
// for (up to signWindow). An ECDSA signature and its verification are a
// fifth of a security server's CPU under bench/gateway's load: signing
// whatever had queued while the queue grew made batches of three or
// four; waiting for a third of the exchanges in flight made the egov pair
// cost 7 % less CPU per exchange (docs/BENCHMARKS.md).
const signShare = 3

// maxSignBatch bounds one batch (its proofs stay short: log2 of it).
const maxSignBatch = 256

type signRequest struct {
	digest []byte
	done   chan signResult
}

type signResult struct {
	header string
	err    error
}

// batchSigner signs digests in batches (see above).
type batchSigner struct {
	signer crypto.Signer
	batch  batcher[*signRequest]
}

// newBatchSigner signs with signer; busy says whether other exchanges
// are under way, so that a batch is worth waiting window for.
// inFlight, when not nil, counts the exchanges under way: a busy batch
// waits for a signShare of them to join.
func newBatchSigner(signer crypto.Signer, window time.Duration, busy func() bool, inFlight func() int) *batchSigner {
	b := &batchSigner{signer: signer}
	b.batch = batcher[*signRequest]{max: maxSignBatch, window: window, busy: busy, flush: b.signBatch}
	if inFlight != nil {
		b.batch.target = func() int { return max(inFlight()/signShare, 1) }
	}
	return b
}

// sign answers the signature header for digest.
func (b *batchSigner) sign(digest []byte) (string, error) {
	res := <-b.start(digest)
	return res.header, res.err
}

// start queues digest for signing and returns where its signature will
// arrive, so that the caller can go on meanwhile.
func (b *batchSigner) start(digest []byte) <-chan signResult {
	req := &signRequest{digest: digest, done: make(chan signResult, 1)}
	b.batch.add(req)
	return req.done
}

func (b *batchSigner) signBatch(batch []*signRequest) {
	if len(batch) == 1 {
		sig, err := b.signer.Sign(rand.Reader, batch[0].digest, crypto.SHA256)
		batch[0].done <- signResult{base64.StdEncoding.EncodeToString(sig), err}
		return
	}
	leaves := make([][]byte, len(batch))
	for i, r := range batch {
		leaves[i] = leafHash(r.digest)
	}
	root := merkleRoot(leaves)
	sig, err := b.signer.Sign(rand.Reader, batchRootDigest(root), crypto.SHA256)
	if err != nil {
		for _, r := range batch {
			r.done <- signResult{err: err}
		}
		return
	}
	prefix := base64.StdEncoding.EncodeToString(sig) + ";b1;"
	size := ";" + strconv.Itoa(len(batch)) + ";"
	for i, r := range batch {
		path := merklePath(i, leaves)
		enc := make([]string, len(path))
		for j, h := range path {
			enc[j] = base64.StdEncoding.EncodeToString(h)
		}
		r.done <- signResult{header: prefix + strconv.Itoa(i) + size + strings.Join(enc, ",")}
	}
}

// batchRootDigest is what a batch's signature covers.
func batchRootDigest(root []byte) []byte {
	sum := sha256.Sum256(append([]byte("egov-r1-batch-1\n"), root...))
	return sum[:]
}

// RFC 9162's Merkle tree hash over SHA-256: leaves and inner nodes are
// told apart by their first byte.
func leafHash(digest []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(digest)
	return h.Sum(nil)
}

func nodeHash(left, right []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(left)
	h.Write(right)
	return h.Sum(nil)
}

// splitPoint is the largest power of two smaller than n (n > 1).
func splitPoint(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// merkleRoot is MTH over the leaf hashes.
func merkleRoot(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := splitPoint(len(leaves))
	return nodeHash(merkleRoot(leaves[:k]), merkleRoot(leaves[k:]))
}

// merklePath is the inclusion proof PATH(m, leaves), bottom first.
func merklePath(m int, leaves [][]byte) [][]byte {
	if len(leaves) == 1 {
		return nil
	}
	k := splitPoint(len(leaves))
	if m < k {
		return append(merklePath(m, leaves[:k]), merkleRoot(leaves[k:]))
	}
	return append(merklePath(m-k, leaves[k:]), merkleRoot(leaves[:k]))
}

// rootFromPath recomputes the root from a leaf hash, its index and the
// tree's size (RFC 9162, section 2.1.3.2).
func rootFromPath(leaf []byte, index, size int, path [][]byte) ([]byte, error) {
	if index < 0 || index >= size {
		return nil, errors.New("gateway: leaf index outside the tree")
	}
	fn, sn, r := index, size-1, leaf
	for _, p := range path {
		if sn == 0 {
			return nil, errors.New("gateway: inclusion proof too long")
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return nil, errors.New("gateway: inclusion proof too short")
	}
	return r, nil
}

// verifiedRoots remembers batch signatures already verified, by key,
// root and signature, so each is verified once: the messages of a batch
// arrive together, and those that arrive while their root's signature
// is being verified wait for that verification instead of repeating it.
// Bounded: when full it starts again empty.
type verifiedRoots struct {
	mu   sync.Mutex
	seen map[string]*rootCheck
}

// rootCheck is one batch signature's verification, done once ok is set.
type rootCheck struct {
	key  *ecdsa.PublicKey
	done chan struct{}
	ok   bool
}

const maxVerifiedRoots = 4096

// verifyASN1 is ecdsa.VerifyASN1, counted in a test.
var verifyASN1 = ecdsa.VerifyASN1

// verify checks a signature header (either form) over digest.
func (v *verifiedRoots) verify(key *ecdsa.PublicKey, digest []byte, header string) bool {
	sigText, rest, batched := strings.Cut(header, ";")
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil || len(sig) == 0 {
		return false
	}
	if !batched {
		return ecdsa.VerifyASN1(key, digest, sig)
	}
	root, ok := rootOf(digest, rest)
	if !ok {
		return false
	}
	return v.verifyRoot(key, root, sig)
}

// verifyRoot verifies a batch's signature over its root, once per key,
// root and signature.
func (v *verifiedRoots) verifyRoot(key *ecdsa.PublicKey, root, sig []byte) bool {
	id := string(root) + string(sig)
	v.mu.Lock()
	if c, ok := v.seen[id]; ok {
		v.mu.Unlock()
		if !c.key.Equal(key) {
			return verifyASN1(key, batchRootDigest(root), sig)
		}
		<-c.done
		return c.ok
	}
	if v.seen == nil || len(v.seen) >= maxVerifiedRoots {
		v.seen = make(map[string]*rootCheck, 64)
	}
	c := &rootCheck{key: key, done: make(chan struct{})}
	v.seen[id] = c
	v.mu.Unlock()
	c.ok = verifyASN1(key, batchRootDigest(root), sig)
	close(c.done)
	return c.ok
}

// rootOf parses "b1;INDEX;SIZE;path" and recomputes the batch's root.
func rootOf(digest []byte, proof string) ([]byte, bool) {
	parts := strings.Split(proof, ";")
	if len(parts) != 4 || parts[0] != "b1" {
		return nil, false
	}
	index, err1 := strconv.Atoi(parts[1])
	size, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || size < 2 || size > maxSignBatch {
		return nil, false
	}
	var path [][]byte
	if parts[3] != "" {
		for _, e := range strings.Split(parts[3], ",") {
			h, err := base64.StdEncoding.DecodeString(e)
			if err != nil || len(h) != sha256.Size {
				return nil, false
			}
			path = append(path, h)
		}
	}
	root, err := rootFromPath(leafHash(digest), index, size, path)
	return root, err == nil
}
