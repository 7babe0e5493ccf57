<?php
// Database settings of the range's shop. Deliberately readable by the web
// server user: the web-shell scenario reads it to reach the database.
const DB_HOST = '127.0.0.1';
define('DB_PORT', (int)(getenv('KZ_DB_PORT') ?: 23306));
const DB_USER = 'shopapp';
const DB_PASS = 'Shop-app-2024';
const DB_NAME = 'kizuki_shop';

function db(): mysqli {
    mysqli_report(MYSQLI_REPORT_OFF);
    $db = @new mysqli(DB_HOST, DB_USER, DB_PASS, DB_NAME, DB_PORT);
    if ($db->connect_errno) {
        http_response_code(500);
        exit('database unavailable');
    }
    $db->set_charset('utf8mb4');
    return $db;
}

function h(?string $s): string {
    return htmlspecialchars((string)$s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

function page_head(string $title): void {
    header('Content-Type: text/html; charset=utf-8');
    echo "<!doctype html><html><head><meta charset=\"utf-8\"><title>", h($title),
         " - Kizuki Shop</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body>",
         "<header><a href=\"/\">Kizuki Shop members</a></header><main>";
}

function page_foot(): void {
    echo "</main><footer>kizuki attack range - fake data</footer></body></html>";
}
