// Package all registers every format kizuki decodes; import it for its side
// effects.
package all

import (
	_ "github.com/kizuki-dfir/kizuki/format" // raw
	_ "github.com/kizuki-dfir/kizuki/format/access"
	_ "github.com/kizuki-dfir/kizuki/format/auditd"
	_ "github.com/kizuki-dfir/kizuki/format/jsonl"
	_ "github.com/kizuki-dfir/kizuki/format/mysql"
	_ "github.com/kizuki-dfir/kizuki/format/postgres"
	_ "github.com/kizuki-dfir/kizuki/format/syslog"
	_ "github.com/kizuki-dfir/kizuki/format/weberror"
)
