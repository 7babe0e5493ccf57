package source

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// TestSumsOrder writes bytes to sums in pieces of every size, some far
// larger than a chunk, finishing now and then (as a digest taken mid-way
// does), and checks the digests against one-shot hashes: a chunk hashed out
// of order, twice or not at all would change them.
func TestSumsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 5*inlineHashBytes+12345)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for trial := range 20 {
		var fp maphash.Hash
		fp.SetSeed(fingerprintSeed)
		s := &sums{sha256: sha256.New(), sha1: sha1.New(), fp: &fp}
		rest := data
		for len(rest) > 0 {
			k := 1 + rng.IntN(min(len(rest), 3*hashChunk))
			if trial%2 == 0 {
				k = min(len(rest), 1+rng.IntN(4096))
			}
			s.write(rest[:k])
			rest = rest[k:]
			if rng.IntN(50) == 0 {
				s.finish()
			}
		}
		s.finish()
		s.finish() // idempotent
		a, b := sha256.Sum256(data), sha1.Sum(data)
		if got := hex.EncodeToString(s.sha256.Sum(nil)); got != hex.EncodeToString(a[:]) {
			t.Fatalf("trial %d: sha256 %s, want %x", trial, got, a)
		}
		if got := hex.EncodeToString(s.sha1.Sum(nil)); got != hex.EncodeToString(b[:]) {
			t.Fatalf("trial %d: sha1 %s, want %x", trial, got, b)
		}
		if fp.Sum64() != fingerprint(data) {
			t.Fatalf("trial %d: fingerprint differs from one-shot", trial)
		}
		if s.n != int64(len(data)) {
			t.Fatalf("trial %d: counted %d bytes, want %d", trial, s.n, len(data))
		}
	}
}

// TestFingerprintOnly checks that a read with Options.FingerprintOnly gives
// the fingerprint and length of a full read and no hashes, and that the
// fingerprint tells apart files of the same size that differ in one byte.
func TestFingerprintOnly(t *testing.T) {
	dir := t.TempDir()
	data := bigLog(3 << 20)
	changed := append([]byte{}, data...)
	changed[len(changed)/2] ^= 1
	for _, name := range []string{"big.log", "big.log.gz", "big.tar"} {
		disk := func(d []byte) []byte {
			switch name {
			case "big.log.gz":
				return gzipBytes(t, d)
			case "big.tar":
				return tarBytes(t, []entry{{name: "a.log", body: d}})
			}
			return d
		}
		p := writeFile(t, dir, name, disk(data))
		streams, full, err := readAllDigests(t, fileFor(t, p), Options{})
		if err != nil {
			t.Fatal(err)
		}
		fstreams, quick, err := readAllDigests(t, fileFor(t, p), Options{FingerprintOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if full != sumOf(disk(data)) {
			t.Errorf("%s: full digest %+v, want %+v", name, full, sumOf(disk(data)))
		}
		if quick.SHA256 != "" || quick.SHA1 != "" || quick.Bytes != full.Bytes || quick.Fingerprint != full.Fingerprint {
			t.Errorf("%s: fingerprint-only digest %+v, full %+v", name, quick, full)
		}
		for i := range fstreams {
			if d := fstreams[i].Digest; d.SHA256 != "" || d.Fingerprint != streams[i].Digest.Fingerprint {
				t.Errorf("%s: stream %d digest %+v, full %+v", name, i, d, streams[i].Digest)
			}
		}
		p2 := writeFile(t, dir, "changed-"+name, disk(changed))
		_, other, err := readAllDigests(t, fileFor(t, p2), Options{FingerprintOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if other.Fingerprint == quick.Fingerprint {
			t.Errorf("%s: one byte changed, same fingerprint %x", name, other.Fingerprint)
		}
	}
}
