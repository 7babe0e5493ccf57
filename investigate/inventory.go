package investigate

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Inventory is what the compromised systems held, supplied by the user
// (--inventory inventory.yaml): it turns "the attacker could reach the members
// table" into "910,795 people possibly affected".
type Inventory struct {
	Assets []Asset `yaml:"assets"`
}

// Asset is one store of records about people.
type Asset struct {
	Name string `yaml:"name"`
	// Table is a database table, "db.table" or "table"; Path is a web path
	// prefix (an upload folder, a download area). One of the two is set.
	Table   string `yaml:"table"`
	Path    string `yaml:"path"`
	Records int64  `yaml:"records"` // rows or files
	People  int64  `yaml:"-"`       // distinct people in them (default: Records)
	// PeopleSet is People as written; absent means "as many as records",
	// while 0 means "the same people as another asset" (orders of members).
	PeopleSet *int64 `yaml:"people"`
}

// LoadInventory reads an inventory file.
func LoadInventory(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	var inv Inventory
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("inventory %s: %w", path, err)
	}
	for i, a := range inv.Assets {
		if a.Name == "" || (a.Table == "" && a.Path == "") {
			return nil, fmt.Errorf("inventory %s: asset %d needs a name and a table or a path", path, i+1)
		}
		inv.Assets[i].People = a.Records
		if a.PeopleSet != nil {
			inv.Assets[i].People = *a.PeopleSet
		}
		if a.Records < 0 || inv.Assets[i].People < 0 {
			return nil, fmt.Errorf("inventory %s: asset %q has a negative count", path, a.Name)
		}
	}
	return &inv, nil
}

// table finds the asset for a table name as written in SQL (`shop`.`members`,
// members, shop.members).
func (inv *Inventory) table(name string) (Asset, bool) {
	if inv == nil {
		return Asset{}, false
	}
	n := strings.ToLower(strings.ReplaceAll(name, "`", ""))
	for _, a := range inv.Assets {
		if a.Table == "" {
			continue
		}
		t := strings.ToLower(a.Table)
		if t == n || strings.HasSuffix(t, "."+n) || strings.HasSuffix(n, "."+t) {
			return a, true
		}
	}
	return Asset{}, false
}
