package report

import (
	"testing"

	"github.com/kizuki-dfir/kizuki/findings"
)

func TestStepTextJapanese(t *testing.T) {
	tests := []struct {
		step findings.Step
		en   string
		ja   string
	}{
		{findings.Step{What: `SQL injection in parameter "q" of /search.php, from 203.0.113.7`, Code: "entry.web",
			Args: map[string]string{"kind": "sql_injection", "param": "q", "path": "/search.php", "ip": "203.0.113.7"}},
			`SQL injection in parameter "q" of /search.php, from 203.0.113.7`, "SQLインジェクション: /search.php のパラメータ「q」（送信元 203.0.113.7）"},
		{findings.Step{What: "x", Code: "entry.web", Args: map[string]string{"kind": "path_traversal", "path": "/dl.php", "ip": "1.2.3.4"}},
			"x", "パストラバーサル: /dl.php（送信元 1.2.3.4）"},
		{findings.Step{What: "x", Code: "entry.password_guessed", Args: map[string]string{"user": "ops", "service": "SSH", "failures": "412", "ip": "198.51.100.23"}},
			"x", "SSH でアカウント「ops」のパスワードが推測された（412 回の失敗の後、送信元 198.51.100.23）"},
		{findings.Step{What: "Destroyed database records: DROP TABLE members", Code: "db.destroy", Args: map[string]string{"statement": "DROP TABLE members"}},
			"Destroyed database records: DROP TABLE members", "データベースのレコードを破壊: DROP TABLE members"},
		{findings.Step{What: "from a rule title", Code: ""}, "from a rule title", "from a rule title"},
		{findings.Step{What: "unknown code", Code: "future.code"}, "unknown code", "unknown code"},
	}
	for _, tc := range tests {
		if got := stepText(en, tc.step); got != tc.en {
			t.Errorf("en %q = %q, want %q", tc.step.Code, got, tc.en)
		}
		if got := stepText(ja, tc.step); got != tc.ja {
			t.Errorf("ja %q = %q, want %q", tc.step.Code, got, tc.ja)
		}
	}
}

func TestIncidentTitleJapanese(t *testing.T) {
	inc := findings.Incident{Title: "English", EntryKind: "password_guessing", EntryVector: &findings.Step{},
		Actors:            []findings.Actor{{Kind: "ip", Value: "198.51.100.23"}, {Kind: "user", Value: "ops"}},
		AffectedConfirmed: 1200, Timeline: []findings.Step{{Tactic: "TA0040"}}}
	if got, want := incidentTitle(ja, inc), "パスワード推測による侵入・データ破壊・1,200 件のレコード窃取（198.51.100.23）"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got := incidentTitle(en, inc); got != "English" {
		t.Errorf("en title = %q", got)
	}
	inc.EntryVector = nil
	if got, want := incidentTitle(ja, findings.Incident{Actors: []findings.Actor{{Kind: "user", Value: "ops"}}}), "攻撃の試み（ops）"; got != want {
		t.Errorf("attempt title = %q, want %q", got, want)
	}
}
