// Package export writes the archive out: Hexo posts (Hexo), Hugo page
// bundles (Hugo), JSON Lines (JSON) and WARC 1.1 (WARC). Each rewrites only
// what changed, so an unchanged re-export leaves files and mtimes alone.
//
// # Hexo
//
// Hexo writes one Markdown file per article (or per version, with
// HexoOptions.AllVersions) into HexoOptions.Out, normally a Hexo site's
// source/_posts directory. Each file starts with YAML front matter holding
// exactly the keys title, categories, headimg, author, comments, date and
// thumbnail, in that order; every string is double-quoted and escaped so that
// any title survives a YAML parser. HexoOptions.Date picks the date style
// (RFC 1123 GMT, or local wall-clock time that Hexo reads in the site's
// timezone) and HexoOptions.Categories whether the categories form one
// hierarchy or are siblings.
//
// The body is the article's sanitised HTML wrapped in {% raw %} ... {% endraw %}
// so that Hexo's Nunjucks pass never executes template syntax found in
// article text. Braces inside the body are written as the character
// references &#123; and &#125; (identical once parsed as HTML), so the body
// can never close the raw block itself. Leading spaces and tabs are removed
// from body lines (inside <pre> they are written as character references)
// and blank lines are dropped, so a Markdown renderer never turns indented
// HTML into a code block.
//
// # File names
//
// A post is named after a slug of its title (see Slug), or the article's
// short ID when the title gives no usable slug. Names are unique, never leave
// Out, and are stable: the manifest .chronicle-export.json in Out records the
// name and content SHA-256 of every file written, so an article keeps its file
// name when its title changes, and a re-export rewrites only files whose bytes
// changed. Files are written atomically (temporary file and rename).
//
// # Images
//
// HexoOptions.Images selects how image URLs (img src and srcset, picture
// source srcset, video poster, headimg and thumbnail) are written:
//
//   - "remote" (the default) keeps the original URL;
//   - a template containing "{url}", such as "https://proxy.example/?{url}",
//     replaces {url} with the original URL;
//   - "local" copies each archived asset the article references, once, to
//     Out/images/<first 16 hex digits of its SHA-256><extension> and links it.
//
// Hexo skips files under directories whose name starts with "_", so images
// kept in source/_posts/images are not published unless the site's
// _config.yml includes them:
//
//	include:
//	  - "_posts/images/**"
//
// Hexo then publishes them at /_posts/images/. Because raw HTML is not
// rewritten by Hexo, and a post is served at a URL of its own (such as
// /2021/11/20/slug/), a link relative to the post file would break; local mode
// therefore links images by their site path. When Out lies under a directory
// named "source" (a Hexo site), the link is that path: for Out =
// blog/source/_posts it is /_posts/images/<name>. Otherwise the link is
// relative to the post file (images/<name>), which suits Markdown viewers and
// generators that copy the directory as is. Sites served under a sub-path
// (Hexo's root setting other than "/") must rewrite the prefix themselves.
package export
