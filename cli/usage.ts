// Help texts, one per command.

const CONNECTION = `Connection (flags win over the environment):
  --region R          region id, e.g. cn-hangzhou            [OSS_REGION]
  --bucket B          bucket name                            [OSS_BUCKET]
  --endpoint URL      e.g. http://127.0.0.1:9000 for \`oss-symlink serve\`;
                      default https://oss-<region>.aliyuncs.com [OSS_ENDPOINT]
  --addressing A      virtual-hosted | path | cname (default: path for IP
                      addresses and localhost, virtual-hosted otherwise)
  --timeout SEC       per HTTP attempt (default 60; 0 = none)
  --max-attempts N    attempts per request, retries included
Keys come from the environment only: OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and,
for STS credentials, OSS_SESSION_TOKEN.`;

export const MAIN_USAGE = `Usage: oss-symlink <command> [options]

Create and read Alibaba Cloud OSS symbolic links.

Commands:
  ln TARGET LINK      create (or replace) the symlink LINK pointing to TARGET
  readlink LINK       print the target of the symlink LINK
  bulk MANIFEST       create many links from a CSV or JSON Lines manifest,
                      concurrently, with progress, retries and resume
  verify MANIFEST     check that every link of a manifest exists, points to its
                      target, and that the target exists and is not a symlink
  serve               run a local OSS-compatible server for development

Run \`oss-symlink <command> --help\` for the options of a command.

Exit codes: 0 done, 1 something failed, 2 usage or configuration error,
130 interrupted.`;

export const LN_USAGE = `Usage: oss-symlink ln [options] TARGET LINK

Creates the symlink LINK (an object key) pointing to TARGET (another key in the
same bucket), replacing LINK if it exists. OSS does not check that TARGET exists.

Options:
  --forbid-overwrite  fail with FileAlreadyExists if LINK already exists
  --require-target    check TARGET first (one HEAD) and write nothing if it is
                      missing (SymlinkTargetNotFound) or is itself a symlink
                      (SymlinkTargetIsSymlink); a check, not a lock
  --acl A             default | private | public-read | public-read-write
  --storage-class S   Standard | IA | Archive
  --meta NAME=VALUE   user metadata (x-oss-meta-NAME), repeatable;
                      names: letters, digits, '-'; values: printable ASCII
  --tag KEY=VALUE     object tag, repeatable (at most 10)
  --json              print the result as JSON
  -h, --help          show this text

${CONNECTION}

Keys that start with '-' go after '--':  oss-symlink ln -- -target -link

Example:
  oss-symlink ln --bucket demo 'photos/2026/原图 1.jpg' links/today.jpg`;

export const READLINK_USAGE = `Usage: oss-symlink readlink [options] LINK

Prints the target of the symlink LINK.

Options:
  --version-id V      read this version of LINK (versioned buckets)
  --check-target      also check the target (one HEAD): exit 1, with a note on
                      stderr, when it is missing or is itself a symlink (reads
                      through LINK fail); --json adds targetState and targetExists
  --json              print target, ETag, Last-Modified, version and metadata as JSON
  -h, --help          show this text

${CONNECTION}`;

export const BULK_USAGE = `Usage: oss-symlink bulk [options] MANIFEST

Creates the links listed in MANIFEST (a file, or '-' for standard input; plain
or gzip), several at a time, with retries, a progress display and a journal for
resuming. Rows stream: memory stays flat whatever the size of the manifest.

Manifest, CSV (RFC 4180 quoting; the header row names the columns):
  link,target,forbidOverwrite,acl,storageClass,meta,tags
  links/today.jpg,photos/2026/原图 1.jpg,true,private,Standard,a=1;b=2,team=web
  "links/a,b.jpg","photos/with ""quotes"".jpg",,,,,
Only link and target are required. meta and tags are NAME=VALUE;NAME=VALUE or a
JSON object (use JSON when a value contains ';'). Columns row, error and message
(as in the failed-rows file) are ignored, so that file can be fed back.

Manifest, JSON Lines (one object per line):
  {"link": "links/today.jpg", "target": "photos/a.jpg", "forbidOverwrite": true,
   "acl": "private", "storageClass": "Standard", "meta": {"a": "1"}, "tags": {"team": "web"}}

The format follows the file name (.csv, .jsonl, .ndjson, each optionally .gz)
or else the first character ('{' is JSON Lines); --format overrides. gzip is
found by the .gz suffix or the gzip magic bytes (also on standard input).

A link listed more than once: the last good row wins. A row is sent once the
next 4096 rows were read, so a link listed again within them is sent once;
rows of one link further apart are sent one after the other, in order.

Options:
  --concurrency N     requests in flight (default 16)
  --journal FILE      record progress here and resume from it when run again
                      (default MANIFEST.journal; none for standard input)
  --no-journal        do not read or write a journal
  --failed FILE       write failed and bad rows here, as a manifest to rerun
                      (default MANIFEST.failed.csv, or .failed.jsonl for JSON
                      Lines; stdin.failed.* for standard input)
  --format F          csv | jsonl
  --shard K/N         only the rows whose link falls in shard K of N (K from 0,
                      as JOB_COMPLETION_INDEX): split one manifest across N
                      machines; each shard has its own journal and failed file
  --forbid-overwrite  default for rows that do not set forbidOverwrite
  --acl A             default for rows that do not set acl
  --storage-class S   default for rows that do not set storageClass
  --require-target    check each row's target first (one more request a row);
                      rows whose target is missing or is a symlink fail with
                      SymlinkTargetNotFound / SymlinkTargetIsSymlink, unwritten
  --check, --dry-run  check every row and count what would be done; send nothing
  --progress P        auto | bar | lines | none (default auto: a bar on a
                      terminal, plain lines otherwise)
  --progress-interval SEC
                      seconds between plain progress lines (default 5)
  --json              print the summary as JSON on stdout
  -h, --help          show this text

${CONNECTION}
bulk defaults to --max-attempts 5.

Resuming: after Ctrl-C, a crash or kill -9, run the same command again. The
journal is flushed to disk every 200 ms: rows acknowledged in the last 200 ms
before a kill may be sent again (PutSymlink is idempotent), nothing acknowledged
earlier is, and nothing is lost. --forbid-overwrite links carry the metadata
oss-symlink-write-id (from the journal and the link), so a rerun recognizes the
links the killed run wrote. A lock file beside the journal stops a second run
on the same manifest (and shard) at the same time.

Exit codes: 0 every row done, 1 some rows failed or were bad, 2 usage or
configuration error (also when OSS rejects the keys or bucket: the run stops),
130 interrupted (rerun to resume).`;


export const VERIFY_USAGE = `Usage: oss-symlink verify [options] MANIFEST

Checks every row of MANIFEST (the manifest given to bulk: CSV or JSON Lines,
plain or .gz, a file or '-' for standard input) against the bucket, with one GetSymlink and one HEAD per row:
the link exists, is a symlink, points to the row's target, and the target
exists and is not itself a symlink (OSS follows one level of links only).
Nothing is written to the bucket.

Outcomes, counted in the summary:
  ok               the link works
  NoSuchLink       no object at the link's key              -> repair manifest
  WrongTarget      a link to another target                 -> repair manifest
  NotSymlink       the key holds an object, not a link      -> dangling report
  DanglingLink     the right link; its target is missing    -> dangling report
  TargetIsSymlink  the right link; its target is a link     -> dangling report
  Error            could not be checked (e.g. AccessDenied) -> dangling report
  BadRow           a row bulk would refuse                  -> dangling report
  Superseded       a later row (within 4096 rows) names the same link, as
                   in bulk: only that row is checked

Both files are manifests in MANIFEST's format (CSV or JSON Lines), with the
fields row, error and message added, which bulk ignores. The repair manifest
recreates missing and wrong links:
  oss-symlink bulk MANIFEST.repair.csv
The dangling report lists what bulk cannot fix: create the missing targets (or
point the links elsewhere), then verify again. Rows of one link further apart
than 4096 rows are each checked; only the last of them can be right.

Options:
  --concurrency N     rows checked at a time (default 16)
  --repair FILE       the repair manifest (default MANIFEST.repair.csv, or
                      .repair.jsonl for a JSON Lines manifest)
  --dangling FILE     the dangling report (default MANIFEST.dangling.csv|jsonl)
                      (for standard input: stdin.repair.csv, ...; with --shard,
                      .shard-K-of-N is added before .repair)
  --shard K/N         check only the rows whose link falls in shard K of N
                      (0-based, the same shards as bulk --shard), to split a
                      large manifest across processes or machines
  --format F          csv | jsonl (default: from the name or the first line)
  --progress P        auto | bar | lines | none
  --progress-interval SEC
                      seconds between plain progress lines (default 5)
  --json              print the summary (counts, files, first 100 problems) as JSON
  -h, --help          show this text

${CONNECTION}
verify defaults to --max-attempts 5.

Exit codes: 0 every row is right, 1 some rows are not (or could not be
checked), 2 usage or configuration error, 130 interrupted.`;
