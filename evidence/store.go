package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/workflows"
)

// A store's layout, the same in a folder and in a bucket:
//
//	chain/0000000042.json           the manifest of bundle 42, created exclusively: the
//	                                claim on position 42 of the chain
//	bundles/0000000042-<run id>/    the bundle's files
//	HEAD                            the newest position and hash (detects a removed tail)
const (
	chainDir   = "chain"
	bundlesDir = "bundles"
	headFile   = "HEAD"
)

// ErrNoBundle is returned by Get for a run that has no bundle in the chain (yet: a run's
// bundle is written when it ends).
var ErrNoBundle = errors.New("evidence: no bundle")

// errTaken reports that another writer claimed the position first.
var errTaken = errors.New("chain position already taken")

// backend is where a store keeps its objects: a folder or an S3 prefix.
type backend interface {
	kind() string
	location(key string) string
	// list returns the names directly under dir ("chain", "bundles"), sorted.
	list(ctx context.Context, dir string) ([]string, error)
	// listAfter is list without the names up to after: what a writer has not seen yet.
	listAfter(ctx context.Context, dir, after string) ([]string, error)
	read(ctx context.Context, key string) ([]byte, error)
	write(ctx context.Context, key string, data []byte) error
	// create writes key only if it does not exist yet; errTaken otherwise.
	create(ctx context.Context, key string, data []byte) error
	// lock serializes writers where the backend can (a folder); S3 relies on create.
	lock(ctx context.Context) (unlock func(), err error)
}

// Store keeps evidence bundles in a hash chain.
type Store struct {
	b   backend
	now func() time.Time
	// anchor, when set, records every head outside the store (AnchorTo).
	anchor *anchor
	// mu guards what this Store has verified: the chain up to the position verified,
	// when it last read every manifest (checkedAt), and how much of the anchor it has
	// read (anchorRead, in bytes). A writer verifies the whole chain when it starts and
	// every fullCheckEvery; before each write in between, it re-checks the head it
	// verified and verifies only what was added after it.
	mu         sync.Mutex
	verified   anchored
	checkedAt  time.Time
	anchorRead int64
}

// fullCheckEvery bounds how long a writer trusts the bundles before the head it
// verified: an edit there (which breaks a link, since the head's own hash is re-checked
// before every write) is refused at the latest this long after it was made.
const fullCheckEvery = 10 * time.Minute

// ChainError is the refusal to extend a chain that does not verify.
type ChainError struct {
	Location string
	Problems []string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("evidence: the chain in %s does not verify (%s), so no bundle is added to it; "+
		"run `bcdr evidence verify` to see every problem, then restore the store and its anchor from a backup, "+
		"or start a new store (evidence.dir or evidence.s3_prefix, and evidence.anchor)", e.Location, strings.Join(e.Problems, "; "))
}

// Append writes a finished run's bundle at the end of the chain and returns where it is.
// It is idempotent: a run that already has a bundle gets that bundle's reference back, so
// a retried activity never writes a second one.
func (s *Store) Append(ctx context.Context, st workflows.Status) (workflows.EvidenceRef, error) {
	if st.RunID == "" {
		return workflows.EvidenceRef{}, errors.New("evidence: the record has no run id")
	}
	ref, _, err := s.add(ctx, st.RunID, func(seq int64, prev string, now time.Time) (Bundle, Manifest, error) {
		return NewBundle(st, seq, prev, now)
	})
	return ref, err
}

// AppendReadiness writes a scheduled check's readiness record at the end of the chain,
// like a run's bundle (idempotent per record id).
func (s *Store) AppendReadiness(ctx context.Context, rec readiness.Record) (workflows.EvidenceRef, error) {
	if rec.ID == "" {
		return workflows.EvidenceRef{}, errors.New("evidence: the readiness record has no id")
	}
	ref, _, err := s.add(ctx, rec.ID, func(seq int64, prev string, now time.Time) (Bundle, Manifest, error) {
		return NewReadinessBundle(rec, seq, prev, now)
	})
	return ref, err
}

// add claims the next position of the chain for the bundle build makes, unless id
// already has one (added false).
func (s *Store) add(ctx context.Context, id string, build func(seq int64, prev string, now time.Time) (Bundle, Manifest, error)) (ref workflows.EvidenceRef, added bool, err error) {
	unlock, err := s.b.lock(ctx)
	if err != nil {
		return workflows.EvidenceRef{}, false, err
	}
	defer unlock()
	for attempt := 0; attempt < 20; attempt++ {
		if m, ok, err := s.find(ctx, id); err != nil || ok {
			if err == nil && s.anchor != nil {
				err = s.anchor.ensure(m)
			}
			return s.ref(m), false, err
		}
		tail, anchorMissing, err := s.checkChain(ctx)
		if err != nil {
			return workflows.EvidenceRef{}, false, err
		}
		seq, prev := tail.seq, tail.hash
		b, m, err := build(seq+1, prev, s.now())
		if err != nil {
			return workflows.EvidenceRef{}, false, err
		}
		dir := bundlesDir + "/" + dirName(m.Seq, id) + "/"
		for name, data := range b {
			if name == ManifestFile {
				continue
			}
			if err := s.b.write(ctx, dir+name, data); err != nil {
				return workflows.EvidenceRef{}, false, fmt.Errorf("evidence: write %s: %w", dir+name, err)
			}
		}
		if err := s.b.write(ctx, dir+ManifestFile, b[ManifestFile]); err != nil {
			return workflows.EvidenceRef{}, false, err
		}
		switch err := s.b.create(ctx, chainKey(m.Seq), b[ManifestFile]); {
		case errors.Is(err, errTaken):
			continue // another writer took this position: go again after it
		case err != nil:
			return workflows.EvidenceRef{}, false, fmt.Errorf("evidence: claim position %d: %w", m.Seq, err)
		}
		if s.anchor != nil {
			heads := []anchored{{m.Seq, m.Hash}}
			if anchorMissing && seq > 0 { // a store anchored from now on: its verified head first
				heads = append([]anchored{{seq, prev}}, heads...)
			}
			if err := s.anchor.add(heads...); err != nil {
				return workflows.EvidenceRef{}, false, err
			}
		}
		head := fmt.Sprintf("%d %s\n", m.Seq, m.Hash)
		if err := s.b.write(ctx, headFile, []byte(head)); err != nil {
			return workflows.EvidenceRef{}, false, fmt.Errorf("evidence: update HEAD: %w", err)
		}
		s.mu.Lock()
		s.verified = anchored{m.Seq, m.Hash}
		s.mu.Unlock()
		return s.ref(m), true, nil
	}
	return workflows.EvidenceRef{}, false, errors.New("evidence: too many concurrent writers; try again")
}

func (s *Store) ref(m Manifest) workflows.EvidenceRef {
	if m.Seq == 0 {
		return workflows.EvidenceRef{}
	}
	return workflows.EvidenceRef{Store: s.b.kind(), Location: s.b.location(bundlesDir + "/" + dirName(m.Seq, m.RunID)), Seq: m.Seq, Hash: m.Hash}
}

func chainKey(seq int64) string { return fmt.Sprintf("%s/%010d.json", chainDir, seq) }

func (s *Store) manifest(ctx context.Context, key string) (Manifest, error) {
	var m Manifest
	raw, err := s.b.read(ctx, key)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("evidence: %s: %w", key, err)
	}
	return m, nil
}

// find returns the manifest of the run's bundle, if it has one in the chain.
func (s *Store) find(ctx context.Context, runID string) (Manifest, bool, error) {
	dirs, err := s.b.list(ctx, bundlesDir)
	if err != nil {
		return Manifest{}, false, err
	}
	for _, d := range dirs {
		seq, id, ok := parseDirName(d)
		if !ok || id != runID {
			continue
		}
		m, err := s.manifest(ctx, chainKey(seq))
		if err != nil {
			continue // files written, position never claimed: not in the chain
		}
		if m.RunID == runID {
			return m, true, nil
		}
	}
	return Manifest{}, false, nil
}

func parseDirName(d string) (int64, string, bool) {
	num, id, ok := strings.Cut(d, "-")
	if !ok || len(num) != 10 {
		return 0, "", false
	}
	seq, err := strconv.ParseInt(num, 10, 64)
	return seq, id, err == nil
}

// List returns the manifests of the chain, oldest first.
func (s *Store) List(ctx context.Context) ([]Manifest, error) {
	names, err := s.b.list(ctx, chainDir)
	if err != nil {
		return nil, err
	}
	out := make([]Manifest, 0, len(names))
	for _, n := range names {
		m, err := s.manifest(ctx, chainDir+"/"+n)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Get returns a run's bundle.
func (s *Store) Get(ctx context.Context, runID string) (Bundle, Manifest, error) {
	m, ok, err := s.find(ctx, runID)
	if err != nil {
		return nil, m, err
	}
	if !ok {
		return nil, m, fmt.Errorf("%w for run %s in %s", ErrNoBundle, runID, s.b.location(""))
	}
	b, err := s.bundle(ctx, m)
	return b, m, err
}

// File returns one file of the bundle m describes (a manifest from List), checked
// against the digest m records for it: the record of every run is read this way without
// listing the store once per run.
func (s *Store) File(ctx context.Context, m Manifest, name string) ([]byte, error) {
	want, ok := m.Files[name]
	if !ok {
		return nil, fmt.Errorf("evidence: bundle %d (run %s) has no %s", m.Seq, m.RunID, name)
	}
	data, err := s.b.read(ctx, bundlesDir+"/"+dirName(m.Seq, m.RunID)+"/"+name)
	if err != nil {
		return nil, err
	}
	if digest(data) != want {
		return nil, fmt.Errorf("evidence: bundle %d (run %s): %s was changed", m.Seq, m.RunID, name)
	}
	return data, nil
}

func (s *Store) bundle(ctx context.Context, m Manifest) (Bundle, error) {
	dir := bundlesDir + "/" + dirName(m.Seq, m.RunID) + "/"
	names, err := s.b.list(ctx, strings.TrimSuffix(dir, "/"))
	if err != nil {
		return nil, err
	}
	b := Bundle{}
	for _, n := range names {
		data, err := s.b.read(ctx, dir+n)
		if err != nil {
			return nil, err
		}
		b[n] = data
	}
	// The chain's copy of the manifest is the one that counts.
	raw, err := s.b.read(ctx, chainKey(m.Seq))
	if err != nil {
		return nil, err
	}
	b[ManifestFile] = raw
	return b, nil
}

// Location says where the store is.
func (s *Store) Location() string { return s.b.location("") }

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Bundles  int      `json:"bundles"`
	HeadSeq  int64    `json:"headSeq"`
	HeadHash string   `json:"headHash"`
	Problems []string `json:"problems"`
	// Stray are bundle folders that are not in the chain: a write that never claimed its
	// position (a full disk, a crash), a writer that lost its position to another, or
	// something else put there. They are reported, not counted as tampering.
	Stray []string `json:"stray,omitempty"`
	// anchorMissing says the store is anchored but the anchor file does not exist yet.
	anchorMissing bool
	// anchorRead is how many bytes of the anchor were read.
	anchorRead int64
}

// OK reports whether the chain is intact.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Verify walks the chain: every bundle's files match its manifest, every manifest its
// own hash, every bundle links to the one before, no position is missing, HEAD names the
// last one and, for an anchored store, the anchor names no bundle the chain lacks. It
// reports every problem found, each naming the bundle, and the bundle folders that are
// not in the chain.
func (s *Store) Verify(ctx context.Context) (VerifyReport, error) {
	return s.verify(ctx, anchored{})
}

// checkChain verifies the chain before a write and returns its newest position (the
// tail the write extends), or refuses with a ChainError when it does not verify.
// anchorMissing says the anchor is still to be created (a store anchored from now on).
// Between full checks it costs what was added since the last write, not the chain's
// length.
func (s *Store) checkChain(ctx context.Context) (tail anchored, anchorMissing bool, err error) {
	s.mu.Lock()
	from, checkedAt, anchorRead := s.verified, s.checkedAt, s.anchorRead
	s.mu.Unlock()
	now := s.now()
	full := from.seq == 0 || now.Sub(checkedAt) >= fullCheckEvery || now.Before(checkedAt)
	var rep VerifyReport
	if !full {
		rep, err = s.verifySince(ctx, from, anchorRead)
		// a problem: the whole chain is checked, so the refusal names every problem
		full = err == nil && len(rep.Problems) > 0
	}
	if full {
		rep, err = s.verify(ctx, from)
	}
	if err != nil {
		return anchored{}, false, err
	}
	problems := rep.Problems
	if rep.anchorMissing { // created with this write
		problems = slices.DeleteFunc(slices.Clone(problems), func(p string) bool { return strings.HasPrefix(p, "the anchor ") })
	}
	if len(problems) > 0 {
		return anchored{}, false, &ChainError{Location: s.b.location(""), Problems: problems}
	}
	tail = anchored{rep.HeadSeq, rep.HeadHash}
	s.mu.Lock()
	s.verified, s.anchorRead = tail, rep.anchorRead
	if full {
		s.checkedAt = now
	}
	s.mu.Unlock()
	return tail, rep.anchorMissing, nil
}

// verify is Verify, trusting the bundles up to from (verified before) to be unchanged
// except for their manifests, which it still reads.
func (s *Store) verify(ctx context.Context, from anchored) (VerifyReport, error) {
	var rep VerifyReport
	// HEAD is read before the chain is listed: a writer claims its position, then moves
	// HEAD, so HEAD can lag behind the chain (a write in progress) but never lead it.
	head, headErr := s.b.read(ctx, headFile)
	names, err := s.b.list(ctx, chainDir)
	if err != nil {
		return rep, err
	}
	sort.Strings(names)
	hashes, runs := map[int64]string{}, map[int64]string{}
	link := chainLink{want: 1, linked: true}
	for _, n := range names {
		m, ok := s.checkNext(ctx, &rep, &link, n, from.seq)
		if ok {
			hashes[m.Seq], runs[m.Seq] = m.Hash, m.RunID
		}
	}
	if from.seq > 0 && hashes[from.seq] != from.hash {
		rep.Problems = append(rep.Problems, fmt.Sprintf("bundle %d changed or went missing since it was verified", from.seq))
	}
	s.checkHead(ctx, &rep, head, headErr, hashes)
	s.checkAnchor(&rep, 0, hashes)
	rep.Stray, err = s.stray(ctx, runs)
	return rep, err
}

// verifySince is what a writer verifies between full checks: the head it verified
// before (from: its manifest's hash and its files, so a head that was changed, removed
// or chained over with another history is seen), every bundle after it in full and
// their links, HEAD, and the anchor's lines after the first anchorFrom bytes (read
// before). The bundles before from were verified by the last full check.
func (s *Store) verifySince(ctx context.Context, from anchored, anchorFrom int64) (VerifyReport, error) {
	var rep VerifyReport
	head, headErr := s.b.read(ctx, headFile) // before the listing, as in verify
	names, err := s.b.listAfter(ctx, chainDir, path.Base(chainKey(from.seq)))
	if err != nil {
		return rep, err
	}
	hashes := map[int64]string{}
	// from's own link was checked when it was verified; its hash covers it
	link := chainLink{want: from.seq}
	m, ok := s.checkNext(ctx, &rep, &link, path.Base(chainKey(from.seq)), 0)
	if !ok || m.Hash != from.hash {
		rep.Problems = append(rep.Problems, fmt.Sprintf("bundle %d changed or went missing since it was verified", from.seq))
		return rep, nil // nothing after it can be linked to what was verified
	}
	hashes[m.Seq] = m.Hash
	for _, n := range names {
		if m, ok := s.checkNext(ctx, &rep, &link, n, 0); ok {
			hashes[m.Seq] = m.Hash
		}
	}
	rep.Bundles = int(rep.HeadSeq) // every position up to the head is accounted for
	s.checkHead(ctx, &rep, head, headErr, hashes)
	s.checkAnchor(&rep, anchorFrom, hashes)
	return rep, nil
}

// chainLink is the state of a walk along the chain: the position the next bundle must
// have and, once linked, the hash it must link to.
type chainLink struct {
	want     int64
	prevHash string
	linked   bool // false before a walk's first bundle, whose link is not checked
}

// checkNext verifies the chain entry named n as the next one of the walk: its position,
// its name, its link to the bundle before, and its files, or only its manifest's own
// hash for a bundle before trustedBefore (verified before). It reports problems into rep
// and advances the walk.
func (s *Store) checkNext(ctx context.Context, rep *VerifyReport, link *chainLink, n string, trustedBefore int64) (Manifest, bool) {
	m, err := s.manifest(ctx, chainDir+"/"+n)
	if err != nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", n, err))
		return m, false
	}
	label := fmt.Sprintf("bundle %d (run %s)", m.Seq, m.RunID)
	if m.Seq != link.want {
		rep.Problems = append(rep.Problems, fmt.Sprintf("bundle %d is missing: the chain goes from %d to %d", link.want, link.want-1, m.Seq))
	}
	if chainKey(m.Seq) != chainDir+"/"+n {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: stored as %s", label, n))
	}
	if link.linked && m.PrevHash != link.prevHash {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: does not link to the bundle before it (prev %s, chain %s)", label, short(m.PrevHash), short(link.prevHash)))
	}
	if m.Seq < trustedBefore {
		if got := m.computeHash(); got != m.Hash {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: manifest.json was changed (hash %s, recorded %s)", label, short(got), short(m.Hash)))
		}
	} else if b, err := s.bundle(ctx, m); err != nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", label, err))
	} else {
		_, problems := b.Check()
		for _, p := range problems {
			rep.Problems = append(rep.Problems, label+": "+p)
		}
	}
	link.prevHash, link.want, link.linked = m.Hash, m.Seq+1, true
	rep.Bundles++
	rep.HeadSeq, rep.HeadHash = m.Seq, m.Hash
	return m, true
}

// checkHead checks that HEAD names a bundle of the chain with its hash (hashes holds
// those walked; one before them is read).
func (s *Store) checkHead(ctx context.Context, rep *VerifyReport, head []byte, headErr error, hashes map[int64]string) {
	if headErr != nil {
		if rep.HeadSeq > 1 {
			rep.Problems = append(rep.Problems, "HEAD is missing")
		}
		return
	}
	var seq int64
	var hash string
	if _, err := fmt.Sscanf(string(head), "%d %s", &seq, &hash); err != nil {
		rep.Problems = append(rep.Problems, "HEAD is unreadable")
		return
	}
	got, ok := hashes[seq]
	if !ok && seq > 0 && seq < rep.HeadSeq {
		if m, err := s.manifest(ctx, chainKey(seq)); err == nil {
			got = m.Hash
		}
	}
	if seq > rep.HeadSeq || got != hash {
		rep.Problems = append(rep.Problems, fmt.Sprintf("HEAD names bundle %d (%s) but the chain ends at %d (%s): bundles were removed from its end", seq, short(hash), rep.HeadSeq, short(rep.HeadHash)))
	}
}

// checkAnchor checks the anchor's lines after its first from bytes against the chain's
// hashes and head, and records how far the anchor was read.
func (s *Store) checkAnchor(rep *VerifyReport, from int64, hashes map[int64]string) {
	if s.anchor == nil {
		return
	}
	entries, read, exists, err := s.anchor.read(from)
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
		return
	}
	rep.anchorMissing, rep.anchorRead = !exists, read
	rep.Problems = append(rep.Problems, s.anchor.check(entries, exists, hashes, rep.HeadSeq)...)
}

// stray lists the bundle folders that are not a position of the chain.
func (s *Store) stray(ctx context.Context, runs map[int64]string) ([]string, error) {
	dirs, err := s.b.list(ctx, bundlesDir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range dirs {
		seq, id, ok := parseDirName(d)
		owner, claimed := runs[seq]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s/%s: not a bundle folder", bundlesDir, d))
		case !claimed:
			out = append(out, fmt.Sprintf("%s/%s: no chain position %d was claimed for it (a write that did not finish, e.g. on a full disk)", bundlesDir, d, seq))
		case owner != id:
			out = append(out, fmt.Sprintf("%s/%s: chain position %d belongs to run %s (a writer that lost the position to another)", bundlesDir, d, seq, owner))
		}
	}
	return out, nil
}
