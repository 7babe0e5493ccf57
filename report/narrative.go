package report

import (
	"strings"

	"github.com/kizuki-dfir/kizuki/findings"
)

// Steps and titles carry English text (What, Title) and a code with
// arguments (findings.Step.Code, Incident.EntryKind). English reports print
// the text as investigate wrote it; other languages rebuild it from the code,
// so the answers themselves are translated, not only the headings. Unknown
// codes fall back to the English text. Arguments come from logs: callers
// pass the result through visible like any log-derived string.

// stepTemplates are the Japanese forms of step codes; {name} is an argument.
var stepTemplates = map[string]string{
	"entry.web":                "{kind}: {path} のパラメータ「{param}」（送信元 {ip}）",
	"entry.web_shell_used":     "Webシェル {path} の使用（送信元 {ip}）",
	"entry.web_shell_uploaded": "{form} から Webシェル {path} がアップロードされた（送信元 {ip}）",
	"entry.password_guessed":   "{service} でアカウント「{user}」のパスワードが推測された（{failures} 回の失敗の後、送信元 {ip}）",
	"entry.login":              "{service} でアカウント「{user}」としてログイン（送信元 {ip}）",
	"db.destroy":               "データベースのレコードを破壊: {statement}",
	"db.read":                  "データベースのクエリが {rows} 行を返した: {statement}",
	"shell.command":            "Webシェル経由のコマンド実行（送信元 {ip}）: {command}",
	"priv.escalate":            "{user} が {via} で {target} に昇格: {command}",
	"account.created":          "アカウント作成: {target}",
	"account.group_added":      "{target} がグループに追加された",
	"account.password_changed": "{target} のパスワードが変更された",
	"process.command":          "{user} としてコマンド実行: {command}",
}

// entryKinds names the ways in, for titles and the entry vector.
var entryKinds = map[string][2]string{
	"sql_injection":         {"SQL injection", "SQLインジェクション"},
	"command_injection":     {"Command injection", "OSコマンドインジェクション"},
	"path_traversal":        {"Path traversal", "パストラバーサル"},
	"remote_file_inclusion": {"Remote file inclusion", "リモートファイルインクルージョン"},
	"php_injection":         {"PHP injection", "PHPインジェクション"},
	"web_shell":             {"Web shell", "Webシェル"},
	"web_exploit":           {"Web exploitation", "Webアプリケーションの脆弱性悪用"},
	"password_guessing":     {"Password guessing and login", "パスワード推測によるログイン"},
	"valid_account":         {"Login with a valid account", "正規アカウントでのログイン"},
}

// titleKinds are the shorter Japanese names titles use ("…による侵入").
var titleKinds = map[string]string{
	"sql_injection":         "SQLインジェクション",
	"command_injection":     "OSコマンドインジェクション",
	"path_traversal":        "パストラバーサル",
	"remote_file_inclusion": "リモートファイルインクルージョン",
	"php_injection":         "PHPインジェクション",
	"web_shell":             "Webシェル",
	"web_exploit":           "脆弱性悪用",
	"password_guessing":     "パスワード推測",
	"valid_account":         "正規アカウントの不正使用",
}

var serviceNames = map[string]string{"SSH": "SSH", "mail login": "メールログイン"}

// stepText is a step's statement in language l.
func stepText(l int, s findings.Step) string {
	if l == en || s.Code == "" {
		return s.What
	}
	tmpl, ok := stepTemplates[s.Code]
	if !ok {
		return s.What
	}
	if s.Code == "entry.web" && s.Args["param"] == "" {
		tmpl = "{kind}: {path}（送信元 {ip}）"
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		j := strings.IndexByte(tmpl, '}')
		if i < 0 || j < i {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : j]
		v := s.Args[name]
		switch name {
		case "kind":
			if k, ok := entryKinds[v]; ok {
				v = k[l]
			}
		case "service":
			if n, ok := serviceNames[v]; ok {
				v = n
			}
		}
		b.WriteString(v)
		tmpl = tmpl[j+1:]
	}
}

// incidentTitle is an incident's title in language l.
func incidentTitle(l int, inc findings.Incident) string {
	if l == en {
		return inc.Title
	}
	what := "攻撃の試み"
	if inc.EntryVector != nil {
		what = "侵入"
		if k, ok := titleKinds[inc.EntryKind]; ok {
			what = k + "による侵入"
		}
	}
	var parts []string
	for _, s := range inc.Timeline {
		if s.Tactic == "TA0040" {
			parts = append(parts, "データ破壊")
			break
		}
	}
	if inc.AffectedConfirmed > 0 {
		parts = append(parts, fmtInt(inc.AffectedConfirmed)+" 件のレコード窃取")
	}
	if len(parts) > 0 {
		what += "・" + strings.Join(parts, "・")
	}
	var who []string
	for _, a := range inc.Actors {
		if a.Kind == "ip" {
			who = append(who, a.Value)
		}
	}
	if len(who) == 0 {
		for _, a := range inc.Actors {
			if a.Kind == "user" {
				who = append(who, a.Value)
			}
		}
	}
	if len(who) > 0 {
		what += "（" + strings.Join(who, ", ") + "）"
	}
	return what
}
