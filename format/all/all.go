// Package all registers every format kizuki decodes; import it for its side
// effects.
package all

import (
	_ "github.com/kizuki-dfir/kizuki/format" // raw
	_ "github.com/kizuki-dfir/kizuki/format/access"
	_ "github.com/kizuki-dfir/kizuki/format/mysql"
)
