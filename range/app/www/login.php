<?php
// Login is done right (prepared statement); the holes are elsewhere.
require __DIR__ . '/config.php';
session_start();
if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    header('Location: /');
    exit;
}
$user = (string)($_POST['user'] ?? '');
$pass = (string)($_POST['pass'] ?? '');
$db = db();
$st = $db->prepare('SELECT id FROM members WHERE login = ? AND pass_sha256 = ?');
$hash = hash('sha256', $pass);
$st->bind_param('ss', $user, $hash);
$st->execute();
$st->bind_result($id);
if ($st->fetch()) {
    session_regenerate_id(true);
    $_SESSION['uid'] = $id;
    header("Location: /mypage.php?id=$id");
} else {
    header('Location: /?e=1');
}
