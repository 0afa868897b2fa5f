package archive

import "time"

// Options configure Open.
type Options struct {
	// Timeout is how long Open waits for the archive's file lock before
	// returning ErrLocked. Zero waits indefinitely (bbolt's behaviour); a
	// negative value tries once and fails at once.
	Timeout time.Duration
	// ReadOnly opens the archive for reading: the file must exist, it is
	// never written, and several read-only processes may share it.
	ReadOnly bool
}

// Content is what extraction produced for one version of an article. The
// content hash covers every field except BodyText, which is derived from
// BodyHTML.
type Content struct {
	Title, Author string
	Published     time.Time // zero when unknown
	Categories    []string
	LeadImage     string
	BodyHTML      string
	BodyText      string
	Images        []string // absolute URLs, in body order
	Videos        []string
}

// Fetch describes the HTTP response an article version came from.
type Fetch struct {
	URL       string              // the URL fetched (after redirects)
	FetchedAt time.Time           // zero means now
	Status    int                 // HTTP status code
	Header    map[string][]string // response headers as received
	Raw       []byte              // body exactly as served (stored compressed, content-addressed)
}

// AssetData is a newly downloaded asset.
type AssetData struct {
	URL, ContentType string
	Data             []byte
	// Header holds the response headers (may be nil); its ETag and
	// Last-Modified are kept in the URL's fetch state for conditional
	// requests.
	Header map[string][]string
}

// AssetRef is a snapshot's reference to an asset.
type AssetRef struct {
	URL string `json:"url"`
	SHA ID     `json:"sha"`
}

// Capture is one crawl of one article, as handed to Put.
type Capture struct {
	URL    string // canonical article URL: identifies the article
	Source string // source name from config
	// Requested is the URL the crawler asked for, when it is not URL (the
	// page named another rel=canonical): its fetch state (validators,
	// recheck schedule) is kept too, pointing at the article.
	Requested string
	Fetch     Fetch
	Content   Content
	// Assets are newly downloaded asset bytes (may be empty).
	Assets []AssetData
	// AssetRefs are all assets the snapshot references, including ones
	// already stored. Each must be in Assets or already in the archive.
	AssetRefs []AssetRef
	// ReextractOf, when not 0, marks the capture as a re-extraction of the
	// raw response of that version (Fetch repeats its fetch): no fetch
	// happened, so the article's fetch state and last sighting stay as they
	// are, and a new snapshot says which version's fetch it came from.
	ReextractOf int
}

// PutResult tells what Put did.
type PutResult struct {
	Article    ID
	Version    int  // version number (1-based) now current
	NewArticle bool // the article was not in the archive before
	Changed    bool // a new snapshot was written (new article or changed content)
	AssetsNew  int  // assets stored by this Put (not previously in the archive)
	// AssetsBytes is the size of the assets counted in AssetsNew.
	AssetsBytes int64
}

// ArticleInfo summarises an article.
type ArticleInfo struct {
	ID                  ID
	URL, Source, Title  string
	Versions            int
	FirstSeen, LastSeen time.Time
}

// Snapshot is one stored version of an article.
type Snapshot struct {
	Article            ID
	Version            int
	Source, URL        string // URL is the fetched URL (after redirects)
	FetchedAt          time.Time
	Status             int
	ETag, LastModified string // validators, from the response headers
	Header             map[string][]string
	Content            Content
	ContentHash        ID
	RawSHA             ID
	RawSize            int64
	Assets             []AssetRef
	// ReextractOf is the version whose fetch this snapshot re-extracted
	// (`chronicle reextract`); 0 for a snapshot of a fetch of its own.
	ReextractOf int
}

// AssetInfo describes a stored asset. URL and ContentType are those it was
// first stored with.
type AssetInfo struct {
	SHA         ID
	URL         string
	ContentType string
	Size        int64
}

// Report is the result of Verify.
type Report struct {
	OK           bool      `json:"ok"`
	Articles     int       `json:"articles"`
	Snapshots    int       `json:"snapshots"`
	Assets       int       `json:"assets"`
	BytesChecked int64     `json:"bytes_checked"`
	Problems     []Problem `json:"problems"`
	// Warnings are findings that lose nothing (orphan assets and raw
	// blobs); they leave OK true.
	Warnings []Problem `json:"warnings"`
	// Complete is false when MaxDuration stopped the check early; Checked
	// counts the records checked and Total those the run was to check (in
	// its slice, with --subset).
	Complete bool   `json:"complete"`
	Checked  int64  `json:"checked"`
	Total    int64  `json:"total"`
	Mode     string `json:"mode"`             // "full" or "fast"
	Subset   string `json:"subset,omitempty"` // "N/T" with --subset
}

// Problem is one integrity problem found by Verify. Kind is one of the Problem*
// constants; Key names the record (a hex ID, or ID/version for a snapshot).
type Problem struct {
	Kind   string `json:"kind"`
	Key    string `json:"key"`
	Detail string `json:"detail"`
}

// Problem kinds reported by Verify.
const (
	ProblemNotAnArchive         = "not_an_archive"         // no valid bbolt meta page: empty, too short or not a bbolt file
	ProblemTruncated            = "truncated"              // the file is shorter than its meta page says
	ProblemBboltPage            = "bbolt_page"             // a page of the file is damaged (structural check or bbolt's own check)
	ProblemUnknownFormatVersion = "unknown_format_version" // meta format_version missing or not supported
	ProblemRecordCorrupt        = "record_corrupt"         // a record's envelope hash does not match its payload
	ProblemUndecodableRecord    = "undecodable_record"     // a record or key is malformed (bad length, version byte, JSON)
	ProblemArticleKeyMismatch   = "article_key_mismatch"   // article key is not the SHA-256 of its URL
	ProblemSnapshotKeyMismatch  = "snapshot_key_mismatch"  // snapshot record names another article or version than its key
	ProblemSnapshotHashMismatch = "snapshot_hash_mismatch" // recomputed content hash differs from the stored one
	ProblemAssetHashMismatch    = "asset_hash_mismatch"    // asset bytes do not hash to their key
	ProblemRawHashMismatch      = "raw_hash_mismatch"      // raw blob does not decompress to bytes hashing to its key
	ProblemAssetSizeMismatch    = "asset_size_mismatch"    // asset size differs from its asset_meta record
	ProblemMissingAsset         = "missing_asset"          // a snapshot references an asset that is not stored
	ProblemMissingRaw           = "missing_raw"            // a snapshot references a raw blob that is not stored
	ProblemMissingAssetMeta     = "missing_asset_meta"     // an asset has no asset_meta record
	ProblemDanglingReference    = "dangling_reference"     // a snapshot or asset_urls entry points at nothing
	ProblemVersionCountMismatch = "version_count_mismatch" // an article's version count differs from its snapshots
)

// Warning kinds reported by Verify: they leave the report OK.
const (
	WarningOrphanAsset = "orphan_asset" // an asset no snapshot references
	WarningOrphanRaw   = "orphan_raw"   // a raw response no snapshot references
)
