package org.iopfhir.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Plain HTTP for what HAPI's client hides: browser requests, raw query strings, status codes. */
public final class RawHttp {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RawHttp() {
    }

    public static HttpResponse<String> get(String url, String accept) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
