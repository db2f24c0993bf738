package org.iopfhir.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A small OAuth 2.0 authorization server for browser tests of SMART apps: the authorization-code grant
 * with PKCE (S256) for public clients, as SMART App Launch asks of a standalone launch. {@code /authorize}
 * shows a sign-in page with one button per identity the tests registered; the button issues a one-time
 * code and redirects back; {@code /token} exchanges the code, checking the client, the redirect URI and the
 * PKCE verifier, for a {@link TestTokens} access token of that identity (which the secured test server
 * trusts). One per JVM, on a free port of localhost; the secured test server's discovery document points
 * at it.
 */
public final class TestAuthorizationServer {

    private static TestAuthorizationServer shared;

    private final HttpServer server;
    private final Map<String, Supplier<String>> identities = new ConcurrentHashMap<>();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();

    private record Grant(String clientId, String redirectUri, String challenge, String identity, String state) {
    }

    private TestAuthorizationServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/authorize", this::authorize);
        server.createContext("/approve", this::approve);
        server.createContext("/token", this::token);
        server.start();
    }

    public static synchronized TestAuthorizationServer shared() {
        if (shared == null) {
            shared = new TestAuthorizationServer();
        }
        return shared;
    }

    public String url() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** An identity a user can sign in as: its button id is {@code as-<name>}; each token is minted at exchange. */
    public void identity(String name, Supplier<String> token) {
        identities.put(name, token);
    }

    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        if (!"code".equals(query.get("response_type")) || !"S256".equals(query.get("code_challenge_method"))
                || blank(query.get("client_id")) || blank(query.get("redirect_uri")) || blank(query.get("code_challenge"))) {
            send(exchange, 400, "text/plain", "authorization code with PKCE (S256) required");
            return;
        }
        StringBuilder page = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><title>Test sign-in</title></head>"
                + "<body><h1>Sign in to the test authorization server</h1><p>Client " + escape(query.get("client_id"))
                + " asks for " + escape(query.getOrDefault("scope", "")) + ".</p>");
        for (String name : identities.keySet()) {
            Map<String, String> approval = new LinkedHashMap<>(query);
            approval.put("identity", name);
            page.append("<p><a id=\"as-").append(escape(name)).append("\" href=\"/approve?").append(escape(encode(approval)))
                    .append("\">Sign in as ").append(escape(name)).append("</a></p>");
        }
        send(exchange, 200, "text/html;charset=utf-8", page.append("</body></html>").toString());
    }

    private void approve(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        if (!identities.containsKey(query.get("identity"))) {
            send(exchange, 400, "text/plain", "unknown identity");
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(query.get("client_id"), query.get("redirect_uri"), query.get("code_challenge"),
                query.get("identity"), query.get("state")));
        Map<String, String> back = new LinkedHashMap<>();
        back.put("code", code);
        back.put("state", query.get("state"));
        String redirect = query.get("redirect_uri");
        exchange.getResponseHeaders().set("Location", redirect + (redirect.contains("?") ? "&" : "?") + encode(back));
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private void token(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
        exchange.getResponseHeaders().set("Access-Control-Allow-Headers", "Content-Type, Authorization");
        exchange.getResponseHeaders().set("Access-Control-Allow-Methods", "POST");
        if ("OPTIONS".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            return;
        }
        Map<String, String> form = query(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Grant grant = codes.remove(form.getOrDefault("code", ""));
        if (!"POST".equals(exchange.getRequestMethod()) || !"authorization_code".equals(form.get("grant_type"))
                || grant == null || !grant.redirectUri().equals(form.get("redirect_uri"))
                || !grant.clientId().equals(form.get("client_id"))
                || !grant.challenge().equals(challenge(form.getOrDefault("code_verifier", "")))) {
            send(exchange, 400, "application/json", "{\"error\":\"invalid_grant\"}");
            return;
        }
        String token = identities.get(grant.identity()).get();
        send(exchange, 200, "application/json", "{\"access_token\":\"" + token
                + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\"user/*.rs\"}");
    }

    private static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            values.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static String encode(Map<String, String> values) {
        StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> out.append(out.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v == null ? "" : v, StandardCharsets.UTF_8)));
        return out.toString();
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
