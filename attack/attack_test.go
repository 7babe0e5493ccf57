package attack

import (
	"reflect"
	"testing"
)

func TestFromTags(t *testing.T) {
	tests := []struct {
		tags             []string
		tactics, techniq []string
	}{
		{[]string{"attack.initial-access", "attack.t1190"}, []string{"TA0001"}, []string{"T1190"}},
		{[]string{"attack.credential_access", "attack.t1110.001", "attack.T1110.001", "cve.2021-44228"}, []string{"TA0006"}, []string{"T1110.001"}},
		{[]string{"attack.impact", "attack.exfiltration", "attack.t1485", "detection.threat-hunting"}, []string{"TA0010", "TA0040"}, []string{"T1485"}},
		{[]string{"attack.g0032", "attack.s0002", "attack.t12"}, nil, nil},
	}
	for _, tc := range tests {
		ta, te := FromTags(tc.tags)
		if !reflect.DeepEqual(ta, tc.tactics) || !reflect.DeepEqual(te, tc.techniq) {
			t.Errorf("FromTags(%q) = %q, %q; want %q, %q", tc.tags, ta, te, tc.tactics, tc.techniq)
		}
	}
}

func TestOrder(t *testing.T) {
	if !(OrderOf("TA0043") < OrderOf("TA0001") && OrderOf("TA0001") < OrderOf("TA0040") && OrderOf("TAxxxx") == 99) {
		t.Fatal("tactic lifecycle order broken")
	}
}
