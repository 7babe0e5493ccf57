<?php
// VULNERABLE ON PURPOSE: q is pasted into the SQL (SQL injection), and the
// database error is shown to the client (makes error-based injection easy).
require __DIR__ . '/config.php';
$q = (string)($_GET['q'] ?? '');
page_head('Search');
$db = db();
$sql = "SELECT id, given, family, city FROM members WHERE family LIKE '%" . $q . "%' ORDER BY id LIMIT 20";
$res = $db->query($sql);
if ($res === false) {
    echo '<p class="err">Query failed: ', h($db->error), '</p>';
} else {
    echo '<table><tr><th>id</th><th>name</th><th>city</th></tr>';
    while ($r = $res->fetch_assoc()) {
        echo '<tr><td>', h($r['id']), '</td><td>', h($r['given'] . ' ' . $r['family']), '</td><td>', h($r['city']), '</td></tr>';
    }
    echo '</table>';
}
page_foot();
