<?php
// VULNERABLE ON PURPOSE (IDOR): any logged-in member can read any member's
// page by changing id; the session is checked, ownership is not.
require __DIR__ . '/config.php';
session_start();
if (!isset($_SESSION['uid'])) {
    header('Location: /');
    exit;
}
$id = (int)($_GET['id'] ?? 0);
$db = db();
$st = $db->prepare('SELECT id, login, given, family, email, phone, birth, city, card_last4 FROM members WHERE id = ?');
$st->bind_param('i', $id);
$st->execute();
$r = $st->get_result()->fetch_assoc();
if (!$r) {
    http_response_code(404);
    page_head('Not found');
    echo '<p>No such member.</p>';
    page_foot();
    exit;
}
page_head('My page');
echo '<dl>';
foreach (['login', 'given', 'family', 'email', 'phone', 'birth', 'city'] as $k) {
    echo '<dt>', h($k), '</dt><dd>', h($r[$k]), '</dd>';
}
echo '<dt>card</dt><dd>**** **** **** ', h($r['card_last4']), '</dd></dl>';
$st = $db->prepare('SELECT id, item, amount_jpy, ordered FROM orders WHERE member_id = ? ORDER BY id');
$st->bind_param('i', $id);
$st->execute();
$res = $st->get_result();
echo '<h2>Orders</h2><ul>';
while ($o = $res->fetch_assoc()) {
    echo '<li>', h($o['ordered']), ' ', h($o['item']), ' ', h($o['amount_jpy']), ' JPY</li>';
}
echo '</ul>';
page_foot();
