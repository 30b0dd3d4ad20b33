package gateway

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func digestOf(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// Every leaf of trees of every size up to 33 proves its inclusion, and
// a proof does not fit another leaf or index.
func TestMerkleInclusionProofs(t *testing.T) {
	for n := 1; n <= 33; n++ {
		leaves := make([][]byte, n)
		for i := range leaves {
			leaves[i] = leafHash(digestOf(fmt.Sprint(n, "/", i)))
		}
		root := merkleRoot(leaves)
		for i := range leaves {
			path := merklePath(i, leaves)
			got, err := rootFromPath(leaves[i], i, n, path)
			if err != nil || !bytes.Equal(got, root) {
				t.Fatalf("n=%d i=%d: root %x, %v; want %x", n, i, got, err, root)
			}
			other := leafHash(digestOf("another message"))
			if got, err := rootFromPath(other, i, n, path); err == nil && bytes.Equal(got, root) {
				t.Fatalf("n=%d i=%d: another leaf fits the proof", n, i)
			}
			if n > 1 {
				j := (i + 1) % n
				if got, err := rootFromPath(leaves[i], j, n, path); err == nil && bytes.Equal(got, root) {
					t.Fatalf("n=%d: leaf %d's proof fits index %d", n, i, j)
				}
			}
		}
	}
}

// Messages signed at about the same moment share one signature, each
// with its own proof; each header verifies for its own message only, and
// any change to it fails.
func TestBatchSignatures(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// A long window, so that the batch forms even on a loaded machine.
	var busy atomic.Bool
	signer := newBatchSigner(key, 200*time.Millisecond, busy.Load, nil)
	lone, err := signer.sign(digestOf("lone"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(lone, ";") {
		t.Fatalf("a message signed alone carries a batch proof: %q", lone)
	}
	busy.Store(true)
	const n = 20
	headers := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := signer.sign(digestOf(fmt.Sprint("message ", i)))
			if err != nil {
				t.Error(err)
			}
			headers[i] = h
		}()
	}
	wg.Wait()

	var roots verifiedRoots
	if !roots.verify(&key.PublicKey, digestOf("lone"), lone) {
		t.Fatal("the lone signature does not verify")
	}
	signatures := map[string]bool{}
	for i, h := range headers {
		if !roots.verify(&key.PublicKey, digestOf(fmt.Sprint("message ", i)), h) {
			t.Fatalf("header %d does not verify: %q", i, h)
		}
		if roots.verify(&key.PublicKey, digestOf(fmt.Sprint("message ", (i+1)%n)), h) {
			t.Fatalf("header %d verifies another message", i)
		}
		sig, _, _ := strings.Cut(h, ";")
		signatures[sig] = true
	}
	if len(signatures) >= n {
		t.Fatalf("%d messages signed under load made %d signatures: no batch formed", n, len(signatures))
	}

	// Tampering with any part of a batched header.
	var batched string
	var digest []byte
	for i, h := range headers {
		if strings.Contains(h, ";b1;") && strings.Count(h, ",") > 0 {
			batched, digest = h, digestOf(fmt.Sprint("message ", i))
			break
		}
	}
	if batched == "" {
		t.Fatal("no batched header with a proof of two or more hashes")
	}
	parts := strings.Split(batched, ";")
	flip := func(b64 string) string {
		raw, _ := base64.StdEncoding.DecodeString(b64)
		raw[len(raw)/2] ^= 1
		return base64.StdEncoding.EncodeToString(raw)
	}
	path := strings.Split(parts[4], ",")
	path[0] = flip(path[0])
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]string{
		"signature": strings.Join([]string{flip(parts[0]), parts[1], parts[2], parts[3], parts[4]}, ";"),
		"index":     strings.Join([]string{parts[0], parts[1], fmt.Sprint(n + 5), parts[3], parts[4]}, ";"),
		"size":      strings.Join([]string{parts[0], parts[1], parts[2], "300", parts[4]}, ";"),
		"path":      strings.Join([]string{parts[0], parts[1], parts[2], parts[3], strings.Join(path, ",")}, ";"),
		"version":   strings.Join([]string{parts[0], "b2", parts[2], parts[3], parts[4]}, ";"),
		"truncated": strings.Join(parts[:4], ";"),
	} {
		if (&verifiedRoots{}).verify(&key.PublicKey, digest, h) || roots.verify(&key.PublicKey, digest, h) {
			t.Errorf("a header with a changed %s verifies", name)
		}
	}
	// A root verified for one key is not taken for another key's.
	if roots.verify(&other.PublicKey, digest, batched) {
		t.Error("another key's batch verifies from the cache")
	}
}

func FuzzSignatureHeader(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("MEUCIQ==")
	f.Add("MEUCIQ==;b1;0;2;" + base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("MEUCIQ==;b1;1;3;,,")
	f.Add(";;;;")
	f.Fuzz(func(t *testing.T, header string) {
		var roots verifiedRoots
		if roots.verify(&key.PublicKey, digestOf("m"), header) {
			t.Fatalf("a header not made by the key verifies: %q", header)
		}
	})
}

// The messages of one batch arriving together cost one verification of
// its signature, however many check it at once; a forged one fails for
// all of them.
func TestBatchRootVerifiedOnce(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	leaves := make([][]byte, n)
	for i := range leaves {
		leaves[i] = leafHash(digestOf(fmt.Sprint("message ", i)))
	}
	root := merkleRoot(leaves)
	sig, err := ecdsa.SignASN1(rand.Reader, key, batchRootDigest(root))
	if err != nil {
		t.Fatal(err)
	}
	forged := append([]byte(nil), sig...)
	forged[len(forged)-1] ^= 1

	var calls atomic.Int32
	defer func(f func(*ecdsa.PublicKey, []byte, []byte) bool) { verifyASN1 = f }(verifyASN1)
	verifyASN1 = func(k *ecdsa.PublicKey, d, s []byte) bool {
		calls.Add(1)
		time.Sleep(5 * time.Millisecond) // the others arrive meanwhile
		return ecdsa.VerifyASN1(k, d, s)
	}
	var roots verifiedRoots
	for _, c := range []struct {
		sig  []byte
		want bool
	}{{sig, true}, {forged, false}} {
		calls.Store(0)
		var wg sync.WaitGroup
		var wrong atomic.Int32
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				path := merklePath(i, leaves)
				enc := make([]string, len(path))
				for j, h := range path {
					enc[j] = base64.StdEncoding.EncodeToString(h)
				}
				h := fmt.Sprintf("%s;b1;%d;%d;%s", base64.StdEncoding.EncodeToString(c.sig), i, n, strings.Join(enc, ","))
				if roots.verify(&key.PublicKey, digestOf(fmt.Sprint("message ", i)), h) != c.want {
					wrong.Add(1)
				}
			}()
		}
		wg.Wait()
		if wrong.Load() != 0 || calls.Load() != 1 {
			t.Errorf("signature valid %v: %d of %d messages judged wrongly, %d verifications (want 1)", c.want, wrong.Load(), n, calls.Load())
		}
	}
}

// A busy batcher with a target waits, without spinning, until that many
// items have come or its window has passed — whichever is first.
func TestBatcherWaitsForItsTarget(t *testing.T) {
	batches := make(chan []int, 10)
	newBatcher := func(target int, window time.Duration) *batcher[int] {
		return &batcher[int]{max: 100, window: window, busy: func() bool { return true },
			target: func() int { return target }, flush: func(batch []int) { batches <- slices.Clone(batch) }}
	}
	b := newBatcher(5, 10*time.Second)
	start := time.Now()
	for i := range 5 {
		b.add(i)
		time.Sleep(time.Millisecond)
	}
	if got := <-batches; len(got) != 5 {
		t.Errorf("first batch %v, want the five items together", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the batch waited %v though its target was reached", d)
	}

	// A target not reached: the window closes the batch.
	b = newBatcher(50, 50*time.Millisecond)
	for i := range 3 {
		b.add(i)
	}
	if got := <-batches; len(got) != 3 {
		t.Errorf("batch at the window's end %v, want the three items", got)
	}
	select {
	case got := <-batches:
		t.Errorf("an extra batch %v", got)
	case <-time.After(100 * time.Millisecond):
	}
}
