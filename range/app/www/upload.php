<?php
// VULNERABLE ON PURPOSE: the "profile picture" upload keeps the client's file
// name and extension, and /uploads/ is executed by PHP, so a .php upload is a
// web shell.
require __DIR__ . '/config.php';
session_start();
if (!isset($_SESSION['uid'])) {
    header('Location: /');
    exit;
}
page_head('Profile picture');
if ($_SERVER['REQUEST_METHOD'] === 'POST' && isset($_FILES['picture'])) {
    $f = $_FILES['picture'];
    // basename() is the only check: it keeps the upload inside uploads/.
    $name = basename((string)$f['name']);
    if ($f['error'] === UPLOAD_ERR_OK && $name !== '' && $name[0] !== '.'
        && move_uploaded_file($f['tmp_name'], __DIR__ . '/uploads/' . $name)) {
        echo '<p>Saved as <a href="/uploads/', rawurlencode($name), '">', h($name), '</a></p>';
    } else {
        http_response_code(400);
        echo '<p class="err">Upload failed.</p>';
    }
}
echo '<form method="post" enctype="multipart/form-data"><input type="file" name="picture"> <button>Upload</button></form>';
page_foot();
