<?php
require __DIR__ . '/config.php';
session_start();
page_head('Home');
if (isset($_GET['e'])) {
    echo '<p class="err">Login failed.</p>';
}
if (isset($_SESSION['uid'])) {
    $id = (int)$_SESSION['uid'];
    echo "<p>Welcome back. <a href=\"/mypage.php?id=$id\">My page</a> | <a href=\"/upload.php\">Profile picture</a> | <a href=\"/logout.php\">Log out</a></p>";
} else {
    echo '<form method="post" action="/login.php"><label>Login <input name="user"></label> ',
         '<label>Password <input type="password" name="pass"></label> <button>Log in</button></form>';
}
echo '<form method="get" action="/search.php"><label>Find members by family name <input name="q"></label> <button>Search</button></form>';
page_foot();
