package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// ErrCorrupt is wrapped by Open's error when stored content no longer
// matches its hash: the blob was altered or damaged after it was stored.
var ErrCorrupt = errors.New("files: stored content does not match its hash")

// Store keeps files: metadata always in the database, blobs on disk under
// dir or, when dir is empty, in the database too.
type Store struct {
	db      *sql.DB
	dir     string
	scanner Scanner
	now     func() time.Time
}

// NewStore returns a store on db. With dir set, blobs are files
// dir/ab/cd/<sha256>; with dir empty they are kept in the files table. A nil
// scanner means SignatureScanner: no upload is ever kept unscanned.
func NewStore(db *sql.DB, dir string, scanner Scanner) *Store {
	if scanner == nil {
		scanner = SignatureScanner{}
	}
	return &Store{db: db, dir: dir, scanner: scanner, now: time.Now}
}

// Put checks and keeps an upload. It reads at most lim.MaxSize+1 bytes of
// r, so an endless body costs no more than one file too many. Refusals are
// *errs.Error of kind Invalid; a scanner that cannot answer gives kind
// Unavailable, since the upload may succeed later. A zero lim.MaxSize or
// empty lim.Types takes DefaultLimits' value.
func (s *Store) Put(ctx context.Context, name string, r io.Reader, lim Limits, owner string) (File, error) {
	if owner == "" {
		return File{}, errors.New("files: put: an upload needs an owner")
	}
	if lim.MaxSize <= 0 {
		lim.MaxSize = DefaultLimits.MaxSize
	}
	if len(lim.Types) == 0 {
		lim.Types = DefaultLimits.Types
	}
	content, err := io.ReadAll(io.LimitReader(r, lim.MaxSize+1))
	if err != nil {
		return File{}, fmt.Errorf("files: reading upload: %w", err)
	}
	if len(content) == 0 {
		return File{}, errs.E(errs.Invalid, "files.error.empty")
	}
	if int64(len(content)) > lim.MaxSize {
		e := errs.E(errs.Invalid, "files.error.too_large")
		e.Args = map[string]any{"Max": sizeLabel(lim.MaxSize)}
		return File{}, e
	}
	// Scan before judging the type, so that a test virus reports itself as
	// one whatever it is wrapped in.
	if err := s.scanner.Scan(ctx, bytes.NewReader(content)); err != nil {
		if errors.Is(err, ErrInfected) {
			e := errs.E(errs.Invalid, "files.error.infected")
			e.Err = err
			return File{}, e
		}
		e := errs.E(errs.Unavailable, "files.error.scanner")
		e.Err = err
		return File{}, e
	}
	typ := detectType(content)
	if !slices.Contains(lim.Types, typ) {
		e := errs.E(errs.Invalid, "files.error.type")
		e.Args = map[string]any{"Types": typeLabels(lim.Types)}
		e.Err = fmt.Errorf("files: content is %s", typ)
		return File{}, e
	}
	sum := sha256.Sum256(content)
	f := File{
		ID:      hex.EncodeToString(sum[:]),
		Name:    CleanName(name),
		Type:    typ,
		Size:    int64(len(content)),
		Created: s.now().UTC().Truncate(time.Microsecond), // what PostgreSQL keeps
	}
	// The blob goes first: a blob without a row is harmless garbage that
	// the next upload of the same content reuses, a row without a blob is
	// a lost file.
	var blob any // NULL when the blob is on disk
	if s.dir != "" {
		if err := s.writeBlob(f.ID, content); err != nil {
			return File{}, err
		}
	} else {
		blob = content
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		// The no-op update locks a row that exists, so that Sweep cannot
		// delete it, or its blob, until this upload is in (or waits for
		// Sweep to finish, and then inserts the row again).
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO files (id, type, size, created_at, content) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET size = files.size`,
			f.ID, f.Type, f.Size, f.Created, blob); err != nil {
			return err
		}
		if s.dir != "" {
			// A Sweep that ran between writeBlob and the lock took the blob.
			if _, err := os.Stat(s.path(f.ID)); errors.Is(err, os.ErrNotExist) {
				if err := s.writeBlob(f.ID, content); err != nil {
					return err
				}
			}
		}
		if blob != nil {
			// The blob may be known from a time the store kept blobs on disk.
			if _, err := tx.ExecContext(ctx,
				`UPDATE files SET content = $1 WHERE id = $2 AND content IS NULL`, blob, f.ID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO file_uploads (file_id, name, owner, created_at) VALUES ($1, $2, $3, $4)`,
			f.ID, f.Name, owner, f.Created)
		return err
	})
	if err != nil {
		return File{}, fmt.Errorf("files: put %s: %w", f.ID, err)
	}
	return f, nil
}

// Release forgets owner's uploads in tx, the caller's transaction (the
// deletion of what they belonged to). Content that no other upload holds
// is left to Sweep, which deletes it for good.
func (s *Store) Release(ctx context.Context, tx *sql.Tx, owner string) error {
	if owner == "" {
		return errors.New("files: release: no owner")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO file_orphans (file_id)
		SELECT DISTINCT u.file_id FROM file_uploads u WHERE u.owner = $1
		AND NOT EXISTS (SELECT 1 FROM file_uploads o WHERE o.file_id = u.file_id AND o.owner <> $1)
		ON CONFLICT (file_id) DO NOTHING`, owner); err != nil {
		return fmt.Errorf("files: release %s: %w", owner, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM file_uploads WHERE owner = $1`, owner); err != nil {
		return fmt.Errorf("files: release %s: %w", owner, err)
	}
	return nil
}

// Sweep deletes up to limit released files that no upload holds any
// more, with their blobs, and reports how many it deleted. Each goes in a
// transaction of its own that holds the file's row while its blob is
// moved aside, so that a Put of the same content either comes first (and
// the file stays) or waits and writes the blob again.
func (s *Store) Sweep(ctx context.Context, limit int) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT file_id FROM file_orphans ORDER BY file_id LIMIT $1`, limit)
	if err != nil {
		return 0, fmt.Errorf("files: sweep: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("files: sweep: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("files: sweep: %w", err)
	}
	deleted := 0
	for _, id := range ids {
		gone, err := s.sweepOne(ctx, id)
		if err != nil {
			return deleted, err
		}
		if gone {
			deleted++
		}
	}
	return deleted, nil
}

// sweepOne deletes file id if no upload holds it; either way it is no
// longer an orphan.
func (s *Store) sweepOne(ctx context.Context, id string) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("files: sweep %s: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM file_orphans WHERE file_id = $1`, id); err != nil {
		return false, fmt.Errorf("files: sweep %s: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM files WHERE id = $1
		AND NOT EXISTS (SELECT 1 FROM file_uploads WHERE file_id = $1)`, id)
	if err != nil {
		// An upload that came meanwhile holds it (PostgreSQL's foreign key).
		if store.IsForeignKeyViolation(err) {
			tx.Rollback()
			_, err = s.db.ExecContext(ctx, `DELETE FROM file_orphans WHERE file_id = $1`, id)
			return false, err
		}
		return false, fmt.Errorf("files: sweep %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 || !validID(id) || s.dir == "" {
		return n > 0, tx.Commit()
	}
	// Moved aside while the row is held, removed once the deletion is
	// committed, put back if it is not.
	blob, trash := s.path(id), s.path(id)+".deleted"
	if err := os.Rename(blob, trash); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("files: sweep %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		os.Rename(trash, blob)
		return false, fmt.Errorf("files: sweep %s: %w", id, err)
	}
	os.Remove(trash)
	return true, nil
}

// Get returns a file's metadata, named as it was first uploaded.
func (s *Store) Get(ctx context.Context, id string) (File, error) {
	if !validID(id) {
		return File{}, notFound(id)
	}
	f := File{ID: id}
	err := s.db.QueryRowContext(ctx,
		`SELECT f.type, f.size, f.created_at, u.name FROM files f JOIN file_uploads u ON u.file_id = f.id
		WHERE f.id = $1 ORDER BY u.id LIMIT 1`, id).Scan(&f.Type, &f.Size, &f.Created, &f.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, notFound(id)
	}
	if err != nil {
		return File{}, fmt.Errorf("files: get %s: %w", id, err)
	}
	f.Created = f.Created.UTC()
	return f, nil
}

// Open returns a file's content and metadata. The content is checked
// against its hash before it is handed out, so a blob altered on disk or
// in the database is refused (kind Internal, wrapping ErrCorrupt) rather
// than served as if it were what the person uploaded.
func (s *Store) Open(ctx context.Context, id string) (io.ReadCloser, File, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return nil, File{}, err
	}
	if s.dir != "" {
		rc, err := s.openDisk(f)
		if !errors.Is(err, os.ErrNotExist) {
			return rc, f, err
		}
		// Not on disk: the blob may predate the disk store.
	}
	var content []byte
	err = s.db.QueryRowContext(ctx, `SELECT content FROM files WHERE id = $1`, id).Scan(&content)
	if err != nil {
		return nil, File{}, fmt.Errorf("files: open %s: %w", id, err)
	}
	if content == nil {
		return nil, File{}, corrupt(id, errors.New("blob missing"))
	}
	if err := verify(f, sha256.Sum256(content), int64(len(content))); err != nil {
		return nil, File{}, err
	}
	return io.NopCloser(bytes.NewReader(content)), f, nil
}

// openDisk opens and verifies a blob on disk. The hash is checked on the
// open file, which is then rewound and returned: a rename over the path
// afterwards does not change what this handle reads.
func (s *Store) openDisk(f File) (io.ReadCloser, error) {
	fh, err := os.Open(s.path(f.ID))
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err == nil {
		err = verify(f, [32]byte(h.Sum(nil)), n)
	}
	if err == nil {
		_, err = fh.Seek(0, io.SeekStart)
	}
	if err != nil {
		fh.Close()
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("files: open %s: %w", f.ID, err)
		}
		return nil, err
	}
	return fh, nil
}

func verify(f File, sum [32]byte, size int64) error {
	if hex.EncodeToString(sum[:]) != f.ID || size != f.Size {
		return corrupt(f.ID, fmt.Errorf("%d bytes with sha256 %x", size, sum))
	}
	return nil
}

// Owned reports whether owner uploaded id. Any failure answers false, so
// a broken database denies access rather than granting it.
func (s *Store) Owned(ctx context.Context, id, owner string) bool {
	if !validID(id) || owner == "" {
		return false
	}
	var one int
	err := s.db.QueryRowContext(ctx,
		`SELECT 1 FROM file_uploads WHERE file_id = $1 AND owner = $2 LIMIT 1`, id, owner).Scan(&one)
	return err == nil
}

// path is where a blob lives on disk: two levels of fan-out keep
// directories small. id must have passed validID.
func (s *Store) path(id string) string {
	return filepath.Join(s.dir, id[:2], id[2:4], id)
}

// writeBlob stores content at its path unless an intact copy is there
// already: written to a temporary file in the same directory, synced, then
// renamed, so the path only ever holds a whole blob. A damaged copy is
// replaced, which repairs it.
func (s *Store) writeBlob(id string, content []byte) error {
	final := s.path(id)
	if sum, err := hashFile(final); err == nil && hex.EncodeToString(sum) == id {
		return nil
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("files: blob directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+id[:8]+"-*")
	if err != nil {
		return fmt.Errorf("files: write blob: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		return fmt.Errorf("files: write blob %s: %w", id, err)
	}
	// The rename, and any directory MkdirAll made, last only once the
	// directories holding them are synced.
	for _, d := range []string{dir, filepath.Dir(dir), s.dir} {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("files: write blob %s: %w", id, err)
		}
	}
	return nil
}

func hashFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// tx runs fn in a transaction, committed when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// validID accepts only the lowercase hex SHA-256 Put makes; anything else
// could name a path outside the store.
func validID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func notFound(id string) error {
	e := errs.E(errs.NotFound, "files.error.not_found")
	e.Err = fmt.Errorf("files: no file %q", id)
	return e
}

func corrupt(id string, cause error) error {
	e := errs.E(errs.Internal, "files.error.corrupt")
	e.Err = fmt.Errorf("%w: %s: %w", ErrCorrupt, id, cause)
	return e
}
