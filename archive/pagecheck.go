package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
)

// The structural check below reads the archive file with ordinary reads and
// validates bbolt's on-disk format (go.etcd.io/bbolt v1.4, file format
// version 2) without using any of bbolt's code: bbolt trusts every page it
// reaches through its memory map, so a damaged page makes it read outside
// the file (a fatal fault) or fail an assertion in a goroutine of its own (an
// unrecoverable panic). Only a file that passes this check is handed to
// bbolt's tree code by Verify. docs/format.md lists what the check proves.

// Layout of a bbolt file (internal/common/{page,meta,bucket}.go in bbolt).
// bbolt writes its structures in the machine's byte order (binary.NativeEndian).
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltPageHeader   = 16 // id uint64, flags uint16, count uint16, overflow uint32
	boltElementSize  = 16 // leaf: flags, pos, ksize, vsize uint32; branch: pos, ksize uint32, pgid uint64
	boltMetaSize     = 64 // magic, version, pageSize, flags uint32; root, sequence, freelist, pgid, txid, checksum uint64
	boltMetaSummed   = 56 // the checksum covers the meta struct up to the checksum
	boltBucketHeader = 16 // root pgid uint64, sequence uint64
	boltNoFreelist   = ^uint64(0)

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10

	leafBucketFlag = 0x01

	// Page sizes bbolt can find when it opens a file (1 KiB to 16 MiB).
	minPageSize = 1 << 10
	maxPageSize = 1 << 24

	// Depth bounds: far beyond any real file (a tree of fan-out 2 and depth
	// 64 would have 2^64 pages), they only stop runaway recursion.
	maxTreeDepth   = 64
	maxBucketDepth = 64

	// maxListed bounds how many page ids one problem lists.
	maxListed = 20
)

// boltMeta is a decoded meta page.
type boltMeta struct {
	id       uint64 // the page it was read from (0 or 1)
	pageSize uint32
	root     uint64
	freelist uint64
	hwm      uint64 // high-water mark: the number of pages in use
	txid     uint64
	invalid  string // why bbolt would reject it; empty when valid
	header   string // what is wrong with its page header; empty when fine
}

// decodeMeta decodes the meta page at id from b (the page from its start, at
// least boltPageHeader+boltMetaSize bytes) and validates it as bbolt does.
func decodeMeta(b []byte, id uint64) boltMeta {
	m := boltMeta{id: id}
	if pid, flags := binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint16(b[8:]); pid != id || flags != flagMeta {
		m.header = fmt.Sprintf("page header says page %d with flags %#x, want page %d with flags %#x", pid, flags, id, flagMeta)
	}
	s := b[boltPageHeader : boltPageHeader+boltMetaSize]
	m.pageSize = binary.NativeEndian.Uint32(s[8:])
	m.root = binary.NativeEndian.Uint64(s[16:])
	m.freelist = binary.NativeEndian.Uint64(s[32:])
	m.hwm = binary.NativeEndian.Uint64(s[40:])
	m.txid = binary.NativeEndian.Uint64(s[48:])
	h := fnv.New64a()
	_, _ = h.Write(s[:boltMetaSummed])
	switch {
	case binary.NativeEndian.Uint32(s) != boltMagic:
		m.invalid = fmt.Sprintf("bad magic %#x", binary.NativeEndian.Uint32(s))
	case binary.NativeEndian.Uint32(s[4:]) != boltVersion:
		m.invalid = fmt.Sprintf("unsupported bbolt format version %d", binary.NativeEndian.Uint32(s[4:]))
	case binary.NativeEndian.Uint64(s[56:]) != h.Sum64():
		m.invalid = "checksum mismatch"
	case !validPageSize(int64(m.pageSize)):
		m.invalid = fmt.Sprintf("page size %d is not a power of two between %d and %d", m.pageSize, minPageSize, maxPageSize)
	}
	return m
}

func validPageSize(ps int64) bool {
	return ps >= minPageSize && ps <= maxPageSize && ps&(ps-1) == 0
}

// fileLayout is what the meta pages say about the file.
type fileLayout struct {
	pageSize int64
	meta     boltMeta // the meta page bbolt uses
	// fatal is set when the tree cannot be walked (no valid meta, truncated
	// file, root or free list out of range).
	fatal bool
	// headerBad is set when a meta page's header is wrong, which bbolt's
	// check asserts against.
	headerBad bool
}

// pageProblem builds a bbolt_page problem about page id.
func pageProblem(id uint64, format string, args ...any) Problem {
	return Problem{Kind: ProblemBboltPage, Key: "page " + strconv.FormatUint(id, 10), Detail: fmt.Sprintf(format, args...)}
}

// readAtMost reads up to n bytes at off, fewer at the end of the file.
func readAtMost(r io.ReaderAt, size, off, n int64) ([]byte, error) {
	if off >= size {
		return nil, nil
	}
	n = min(n, size-off)
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && len(b) == int(n)) {
		return nil, fmt.Errorf("read %d bytes at offset %d: %w", n, off, err)
	}
	return b, nil
}

// readLayout reads the two meta pages of the bbolt file r (size bytes), picks
// the one bbolt would use and checks that the file is as long as it says.
// It reads a few kilobytes at most. Problems that leave the tree walkable
// (an invalid or mislabelled meta page that bbolt would not use) are
// returned without setting fatal.
func readLayout(r io.ReaderAt, size int64) (fileLayout, []Problem, error) {
	var lay fileLayout
	need := int64(boltPageHeader + boltMetaSize)
	if size == 0 {
		lay.fatal = true
		return lay, []Problem{{Kind: ProblemNotAnArchive, Detail: "the file is empty"}}, nil
	}
	// bbolt takes the page size from meta page 0 if it is valid, otherwise
	// from the first valid meta page at 1 KiB, 2 KiB, ... 16 MiB.
	var metas []boltMeta
	first, err := readAtMost(r, size, 0, need)
	if err != nil {
		return lay, nil, err
	}
	var why0 string
	if int64(len(first)) < need {
		why0 = fmt.Sprintf("the file is only %d bytes", size)
	} else if m0 := decodeMeta(first, 0); m0.invalid == "" {
		lay.pageSize = int64(m0.pageSize)
	} else {
		why0 = m0.invalid
	}
	for pos := int64(minPageSize); lay.pageSize == 0 && pos <= maxPageSize && pos+need <= size; pos <<= 1 {
		b, err := readAtMost(r, size, pos, need)
		if err != nil {
			return lay, nil, err
		}
		if m := decodeMeta(b, 1); m.invalid == "" && int64(m.pageSize) == pos {
			lay.pageSize = pos
		}
	}
	if lay.pageSize == 0 {
		lay.fatal = true
		return lay, []Problem{{Kind: ProblemNotAnArchive, Detail: fmt.Sprintf("no valid bbolt meta page (page 0: %s): not a bbolt file, or damaged beyond repair", why0)}}, nil
	}
	var problems []Problem
	for id := uint64(0); id < 2; id++ {
		b, err := readAtMost(r, size, int64(id)*lay.pageSize, need)
		if err != nil {
			return lay, nil, err
		}
		if int64(len(b)) < need {
			continue // the file is truncated: reported below
		}
		metas = append(metas, decodeMeta(b, id))
	}
	// bbolt uses the valid meta page with the higher transaction id.
	chosen := -1
	for i, m := range metas {
		if m.invalid == "" && (chosen < 0 || m.txid > metas[chosen].txid) {
			chosen = i
		}
	}
	if chosen < 0 {
		lay.fatal = true
		return lay, append(problems, Problem{Kind: ProblemNotAnArchive, Detail: "neither meta page is valid: not a bbolt file, or damaged beyond repair"}), nil
	}
	lay.meta = metas[chosen]
	for _, m := range metas {
		if m.invalid != "" {
			problems = append(problems, pageProblem(m.id, "meta page is invalid (%s); bbolt uses meta page %d (transaction %d)", m.invalid, lay.meta.id, lay.meta.txid))
		}
		if m.header != "" {
			lay.headerBad = true
			problems = append(problems, pageProblem(m.id, "meta page: %s", m.header))
		}
	}
	m := lay.meta
	switch {
	case int64(m.pageSize) != lay.pageSize:
		lay.fatal = true
		problems = append(problems, pageProblem(m.id, "meta page says the page size is %d, but bbolt reads the file with pages of %d bytes", m.pageSize, lay.pageSize))
	case m.hwm > uint64(size/lay.pageSize):
		lay.fatal = true
		problems = append(problems, Problem{Kind: ProblemTruncated, Detail: fmt.Sprintf(
			"the file is %d bytes, but meta page %d (transaction %d) says it holds %d pages of %d bytes: the end of the file is missing",
			size, m.id, m.txid, m.hwm, lay.pageSize)})
	case m.hwm < 3:
		lay.fatal = true
		problems = append(problems, pageProblem(m.id, "meta page says the file has %d pages, too few to hold a tree", m.hwm))
	}
	if lay.fatal {
		return lay, problems, nil
	}
	if m.root < 2 || m.root >= m.hwm {
		lay.fatal = true
		problems = append(problems, pageProblem(m.id, "meta page's root bucket is page %d, outside pages 2..%d", m.root, m.hwm-1))
	}
	if m.freelist != boltNoFreelist && (m.freelist < 2 || m.freelist >= m.hwm) {
		lay.fatal = true
		problems = append(problems, pageProblem(m.id, "meta page's free list is page %d, outside pages 2..%d", m.freelist, m.hwm-1))
	}
	return lay, problems, nil
}

// pageSet is a set of page ids below the high-water mark.
type pageSet []uint64

func newPageSet(n uint64) pageSet { return make(pageSet, (n+63)/64) }

func (s pageSet) has(id uint64) bool { return s[id/64]&(1<<(id%64)) != 0 }
func (s pageSet) add(id uint64)      { s[id/64] |= 1 << (id % 64) }

// pageChecker walks one file.
type pageChecker struct {
	ctx      context.Context
	r        io.ReaderAt
	ps       int64
	hwm      uint64
	used     pageSet // pages reached: meta pages, free list, tree
	free     pageSet // pages the free list lists
	problems []Problem
	bad      bool // a problem stopped part of the walk
	steps    int
}

func (c *pageChecker) report(p Problem) {
	c.problems = append(c.problems, p)
	c.bad = true
}

// tick checks for cancellation every so many pages.
func (c *pageChecker) tick() error {
	c.steps++
	if c.steps%256 == 0 {
		return c.ctx.Err()
	}
	return nil
}

// checkFile checks the structure of the bbolt file r (size bytes): it
// returns the problems found, and whether bbolt's own code may safely walk
// the file (no problem other than an invalid meta page bbolt does not use).
// An error means the check could not run (a read failed or ctx ended).
func checkFile(ctx context.Context, r io.ReaderAt, size int64) ([]Problem, bool, error) {
	lay, problems, err := readLayout(r, size)
	if err != nil || lay.fatal {
		return problems, false, err
	}
	// bbolt's own check asserts both meta pages' headers; an invalid meta
	// page it does not use is harmless to it.
	safe := !lay.headerBad
	c := &pageChecker{ctx: ctx, r: r, ps: lay.pageSize, hwm: lay.meta.hwm,
		used: newPageSet(lay.meta.hwm), free: newPageSet(lay.meta.hwm), problems: problems}
	c.used.add(0)
	c.used.add(1)
	if err := c.checkFreelist(lay.meta.freelist); err != nil {
		return nil, false, err
	}
	if err := c.walkTree(lay.meta.root, nil, nil, 0, 0, "root"); err != nil {
		return nil, false, err
	}
	if !c.bad && lay.meta.freelist != boltNoFreelist {
		c.checkAccounted()
	}
	return c.problems, safe && !c.bad, nil
}

// readPage reads page id with its overflow pages after checking its header:
// the id it names, its flags (one of want) and that its overflow pages lie
// below the high-water mark. It marks the pages used. It returns nil after
// reporting a problem.
//
// With whole false it reads only the first page (all of it when the page
// has no overflow): the caller reads the rest it needs with readRange, so
// that the large values overflow pages hold are not read.
func (c *pageChecker) readPage(id uint64, where string, whole bool, want ...uint16) ([]byte, int64, error) {
	if id < 2 || id >= c.hwm {
		c.report(pageProblem(id, "%s points at page %d, outside pages 2..%d", where, id, c.hwm-1))
		return nil, 0, nil
	}
	if c.used.has(id) {
		c.report(pageProblem(id, "%s points at page %d, which is already in use elsewhere", where, id))
		return nil, 0, nil
	}
	hdr := make([]byte, boltPageHeader)
	if _, err := c.r.ReadAt(hdr, int64(id)*c.ps); err != nil {
		return nil, 0, fmt.Errorf("read page %d: %w", id, err)
	}
	pid, flags, overflow := binary.NativeEndian.Uint64(hdr), binary.NativeEndian.Uint16(hdr[8:]), uint64(binary.NativeEndian.Uint32(hdr[12:]))
	if pid != id {
		c.report(pageProblem(id, "page header names page %d (%s)", pid, where))
		return nil, 0, nil
	}
	okFlags := false
	for _, f := range want {
		okFlags = okFlags || flags == f
	}
	if !okFlags {
		c.report(pageProblem(id, "page has flags %#x, want %s (%s)", flags, flagNames(want), where))
		return nil, 0, nil
	}
	if overflow >= c.hwm-id {
		c.report(pageProblem(id, "page claims %d overflow pages, past the last page %d (%s)", overflow, c.hwm-1, where))
		return nil, 0, nil
	}
	for i := uint64(0); i <= overflow; i++ {
		if c.used.has(id + i) {
			c.report(pageProblem(id, "overflow page %d is already in use elsewhere (%s)", id+i, where))
			return nil, 0, nil
		}
	}
	for i := uint64(0); i <= overflow; i++ {
		c.used.add(id + i)
		if c.free.has(id + i) {
			c.report(pageProblem(id, "page %d is in use (%s) but the free list lists it as free", id+i, where))
		}
	}
	// The length is bounded by the file size: id+overflow < hwm <= size/ps.
	total := int64(overflow+1) * c.ps
	n := total
	if !whole {
		n = c.ps
	}
	b := make([]byte, n)
	if _, err := c.r.ReadAt(b, int64(id)*c.ps); err != nil {
		return nil, 0, fmt.Errorf("read page %d: %w", id, err)
	}
	return b, total, nil
}

// readRange returns bytes [off, off+n) of page id, whose first len(b) bytes
// are b; the caller has checked that the range lies within the page and its
// overflow pages.
func (c *pageChecker) readRange(id uint64, b []byte, off, n uint64) ([]byte, error) {
	if off+n <= uint64(len(b)) {
		return b[off : off+n], nil
	}
	out := make([]byte, n)
	if _, err := c.r.ReadAt(out, int64(id)*c.ps+int64(off)); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	return out, nil
}

func flagNames(flags []uint16) string {
	names := map[uint16]string{flagBranch: "branch", flagLeaf: "leaf", flagMeta: "meta", flagFreelist: "free list"}
	var s string
	for i, f := range flags {
		if i > 0 {
			s += " or "
		}
		s += fmt.Sprintf("%#x (%s)", f, names[f])
	}
	return s
}

// checkFreelist reads the free list page(s) and records the free pages.
func (c *pageChecker) checkFreelist(id uint64) error {
	if id == boltNoFreelist {
		return nil
	}
	b, _, err := c.readPage(id, "the meta page's free list", true, flagFreelist)
	if b == nil || err != nil {
		return err
	}
	count, idx := uint64(binary.NativeEndian.Uint16(b[10:])), uint64(0)
	slots := uint64(len(b)-boltPageHeader) / 8
	if count == 0xFFFF {
		// The real count is in the first slot.
		count, idx = binary.NativeEndian.Uint64(b[boltPageHeader:]), 1
	}
	if count > slots-idx {
		c.report(pageProblem(id, "free list claims %d page ids, but its %d page(s) hold at most %d", count, len(b)/int(c.ps), slots-idx))
		return nil
	}
	var bad, dup []uint64
	for i := idx; i < idx+count; i++ {
		fid := binary.NativeEndian.Uint64(b[boltPageHeader+8*i:])
		switch {
		case fid < 2 || fid >= c.hwm:
			bad = append(bad, fid)
		case c.free.has(fid):
			dup = append(dup, fid)
		default:
			c.free.add(fid)
		}
	}
	if len(bad) > 0 {
		c.report(pageProblem(id, "free list lists %d page id(s) outside pages 2..%d: %s", len(bad), c.hwm-1, listIDs(bad)))
	}
	if len(dup) > 0 {
		c.report(pageProblem(id, "free list lists %d page(s) twice: %s", len(dup), listIDs(dup)))
	}
	for i := uint64(0); i <= uint64(len(b))/uint64(c.ps)-1; i++ {
		if c.free.has(id + i) {
			c.report(pageProblem(id, "free list lists its own page %d as free", id+i))
		}
	}
	return nil
}

// listIDs formats at most maxListed page ids.
func listIDs(ids []uint64) string {
	var s string
	for i, id := range ids {
		if i == maxListed {
			return s + fmt.Sprintf(" and %d more", len(ids)-maxListed)
		}
		if i > 0 {
			s += ", "
		}
		s += strconv.FormatUint(id, 10)
	}
	return s
}

// element is one decoded leaf or branch page element.
type element struct {
	flags uint32
	key   []byte
	value []byte // leaf elements
	child uint64 // branch elements
}

// decodeElements decodes the count elements of a page held in b (from its
// header on, with overflow pages) and checks that each key and value lies in
// b, packed one after the other behind the element array as bbolt writes
// them, and that keys are non-empty, strictly ascending and in [lo, hi) (a
// nil bound is open). It returns a description of the first fault.
//
// The page is total bytes long; b holds at least its first bytes, and
// fetch (nil when b holds it all) reads a range of it that b does not
// hold. Only keys and bucket values are read: a leaf element's value is
// left nil unless it is a bucket.
func decodeElements(b []byte, total uint64, fetch func(off, n uint64) ([]byte, error), branch bool, count int, lo, hi []byte) ([]element, string, error) {
	get := func(off, n uint64) ([]byte, error) {
		if off+n <= uint64(len(b)) || fetch == nil {
			return b[off : off+n], nil
		}
		return fetch(off, n)
	}
	end := uint64(boltPageHeader) + uint64(count)*boltElementSize
	if end > total {
		return nil, fmt.Sprintf("%d elements do not fit in the page's %d bytes", count, total), nil
	}
	if end > uint64(len(b)) {
		whole, err := get(0, total)
		if err != nil {
			return nil, "", err
		}
		b, fetch = whole, nil
	}
	elems := make([]element, count)
	for i := range elems {
		off := uint64(boltPageHeader) + uint64(i)*boltElementSize
		e := b[off : off+boltElementSize]
		var pos, ksize, vsize uint64
		if branch {
			pos, ksize = uint64(binary.NativeEndian.Uint32(e)), uint64(binary.NativeEndian.Uint32(e[4:]))
			elems[i].child = binary.NativeEndian.Uint64(e[8:])
		} else {
			elems[i].flags = binary.NativeEndian.Uint32(e)
			pos, ksize, vsize = uint64(binary.NativeEndian.Uint32(e[4:])), uint64(binary.NativeEndian.Uint32(e[8:])), uint64(binary.NativeEndian.Uint32(e[12:]))
			if elems[i].flags&^leafBucketFlag != 0 {
				return nil, fmt.Sprintf("element %d has unknown flags %#x", i, elems[i].flags), nil
			}
		}
		start := off + pos
		if start != end {
			return nil, fmt.Sprintf("element %d's key starts at byte %d, want %d (right after the previous entry)", i, start, end), nil
		}
		if ksize == 0 {
			return nil, fmt.Sprintf("element %d has an empty key", i), nil
		}
		end = start + ksize + vsize
		if end > total {
			return nil, fmt.Sprintf("element %d's key and value (%d+%d bytes at byte %d) run past the page's %d bytes", i, ksize, vsize, start, total), nil
		}
		var err error
		if elems[i].key, err = get(start, ksize); err != nil {
			return nil, "", err
		}
		if !branch && elems[i].flags&leafBucketFlag != 0 {
			if elems[i].value, err = get(start+ksize, vsize); err != nil {
				return nil, "", err
			}
		}
		switch {
		case i > 0 && bytes.Compare(elems[i-1].key, elems[i].key) >= 0:
			return nil, fmt.Sprintf("element %d's key is not greater than the previous key", i), nil
		case i == 0 && lo != nil && bytes.Compare(elems[i].key, lo) < 0:
			return nil, "the first key is less than the parent page's key for this page", nil
		case hi != nil && bytes.Compare(elems[i].key, hi) >= 0:
			return nil, fmt.Sprintf("element %d's key is not less than the parent page's next key", i), nil
		}
	}
	return elems, "", nil
}

// walkTree checks page id of a bucket's tree and everything below it.
// depth is the depth in this tree, nest the bucket nesting depth, bucket
// names the bucket for messages.
func (c *pageChecker) walkTree(id uint64, lo, hi []byte, depth, nest int, bucket string) error {
	if err := c.tick(); err != nil {
		return err
	}
	where := "bucket " + bucket
	if depth > maxTreeDepth {
		c.report(pageProblem(id, "%s: tree is deeper than %d pages", where, maxTreeDepth))
		return nil
	}
	b, total, err := c.readPage(id, where, false, flagBranch, flagLeaf)
	if b == nil || err != nil {
		return err
	}
	branch := binary.NativeEndian.Uint16(b[8:]) == flagBranch
	count := int(binary.NativeEndian.Uint16(b[10:]))
	if branch && count == 0 {
		c.report(pageProblem(id, "%s: branch page has no elements", where))
		return nil
	}
	elems, fault, err := decodeElements(b, uint64(total), func(off, n uint64) ([]byte, error) { return c.readRange(id, b, off, n) }, branch, count, lo, hi)
	if err != nil {
		return err
	}
	if fault != "" {
		c.report(pageProblem(id, "%s: %s", where, fault))
		return nil
	}
	for i, e := range elems {
		if branch {
			next := hi
			if i+1 < len(elems) {
				next = elems[i+1].key
			}
			if err := c.walkTree(e.child, e.key, next, depth+1, nest, bucket); err != nil {
				return err
			}
			continue
		}
		if e.flags&leafBucketFlag == 0 {
			continue
		}
		if err := c.walkBucket(id, e, nest+1, bucket); err != nil {
			return err
		}
	}
	return nil
}

// walkBucket checks the sub-bucket stored in leaf element e of page id.
func (c *pageChecker) walkBucket(id uint64, e element, nest int, parent string) error {
	name := fmt.Sprintf("%q", e.key)
	if len(name) > 80 {
		name = name[:77] + "..."
	}
	if parent != "root" {
		name = parent + "/" + name
	}
	if nest > maxBucketDepth {
		c.report(pageProblem(id, "bucket %s is nested deeper than %d buckets", name, maxBucketDepth))
		return nil
	}
	if len(e.value) < boltBucketHeader {
		c.report(pageProblem(id, "bucket %s: bucket header is %d bytes, want at least %d", name, len(e.value), boltBucketHeader))
		return nil
	}
	root := binary.NativeEndian.Uint64(e.value)
	if root != 0 {
		return c.walkTree(root, nil, nil, 0, nest, name)
	}
	// An inline bucket: a leaf page follows the bucket header in the value.
	p := e.value[boltBucketHeader:]
	if len(p) < boltPageHeader {
		c.report(pageProblem(id, "bucket %s: inline page is %d bytes, shorter than a page header", name, len(p)))
		return nil
	}
	pid, flags, overflow := binary.NativeEndian.Uint64(p), binary.NativeEndian.Uint16(p[8:]), binary.NativeEndian.Uint32(p[12:])
	if pid != 0 || flags != flagLeaf || overflow != 0 {
		c.report(pageProblem(id, "bucket %s: inline page header (id %d, flags %#x, overflow %d) is not that of an inline leaf", name, pid, flags, overflow))
		return nil
	}
	elems, fault, _ := decodeElements(p, uint64(len(p)), nil, false, int(binary.NativeEndian.Uint16(p[10:])), nil, nil)
	if fault != "" {
		c.report(pageProblem(id, "bucket %s: inline page: %s", name, fault))
		return nil
	}
	for i, ie := range elems {
		if ie.flags&leafBucketFlag != 0 {
			c.report(pageProblem(id, "bucket %s: inline page element %d is a nested bucket, which bbolt never writes inline", name, i))
			return nil
		}
	}
	return nil
}

// checkAccounted reports pages that are neither reachable nor free, and free
// pages that are also in use (found during the walk).
func (c *pageChecker) checkAccounted() {
	var lost []uint64
	for id := uint64(2); id < c.hwm; id++ {
		if !c.used.has(id) && !c.free.has(id) {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		c.report(pageProblem(lost[0], "%d page(s) are neither reachable nor free (a reference to them was lost): %s", len(lost), listIDs(lost)))
	}
}
