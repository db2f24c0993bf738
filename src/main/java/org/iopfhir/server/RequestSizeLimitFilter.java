package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies over the configured size with 413 and an OperationOutcome before HAPI
 * parses them. The limit applies to the body HAPI will parse: a declared Content-Length is checked
 * up front, a chunked body (no length) is read up to the limit, and a gzip-encoded body is
 * decompressed here, up to the limit, and handed on decoded without its Content-Encoding, so HAPI
 * never inflates a small body into an unbounded one. Other content codings are refused with 415
 * (HAPI could not read them either). Buffering costs nothing extra: HAPI reads whole bodies anyway.
 */
public class RequestSizeLimitFilter extends OncePerRequestFilter {

    private static final String CONTENT_ENCODING = "Content-Encoding";
    private static final String CONTENT_LENGTH = "Content-Length";
    private static final List<String> GZIP = List.of("gzip", "x-gzip");

    private final FhirContext fhirContext;
    private final long maxBytes;

    public RequestSizeLimitFilter(FhirContext fhirContext, long maxBytes) {
        this.fhirContext = fhirContext;
        this.maxBytes = maxBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            tooLarge(response);
            return;
        }
        boolean hasBody = declared > 0 || (declared < 0 && request.getHeader("Transfer-Encoding") != null);
        List<String> codings = contentCodings(request);
        if (!hasBody) {
            chain.doFilter(request, response);
            return;
        }
        if (codings.isEmpty()) {
            if (declared >= 0) {
                chain.doFilter(request, response);
                return;
            }
            BoundedInputStream wire = new BoundedInputStream(request.getInputStream(), maxBytes);
            byte[] body = wire.readNBytes(readLimit());
            if (wire.exceeded() || body.length > maxBytes) {
                tooLarge(response);
                return;
            }
            chain.doFilter(new DecodedBodyRequest(request, body, false), response);
            return;
        }
        if (codings.size() > 1 || !GZIP.contains(codings.get(0))) {
            unsupportedEncoding(response);
            return;
        }
        BoundedInputStream wire = new BoundedInputStream(request.getInputStream(), maxBytes);
        byte[] decoded;
        try {
            decoded = new GZIPInputStream(wire).readNBytes(readLimit());
        } catch (IOException e) {
            // The wire limit ends the stream early, which gzip reports as a truncated body.
            if (wire.exceeded()) {
                tooLarge(response);
            } else {
                refuse(response, HttpServletResponse.SC_BAD_REQUEST, OperationOutcome.IssueType.INVALID,
                        "Request body is not valid gzip data");
            }
            return;
        }
        if (wire.exceeded() || decoded.length > maxBytes) {
            tooLarge(response);
            return;
        }
        chain.doFilter(new DecodedBodyRequest(request, decoded, true), response);
    }

    /** One byte more than the limit, so that a body over it is recognised without reading it all. */
    private int readLimit() {
        return (int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1);
    }

    /** The codings applied to the body, in order, without "identity" (which means none). */
    private static List<String> contentCodings(HttpServletRequest request) {
        List<String> codings = new ArrayList<>();
        for (String header : Collections.list(request.getHeaders(CONTENT_ENCODING))) {
            for (String coding : header.split(",")) {
                String normalized = coding.trim().toLowerCase(Locale.ROOT);
                if (!normalized.isEmpty() && !normalized.equals("identity")) {
                    codings.add(normalized);
                }
            }
        }
        return codings;
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        response.setHeader("Connection", "close");
        refuse(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, OperationOutcome.IssueType.TOOLONG,
                "Request body exceeds the maximum of " + maxBytes + " bytes (decompressed)");
    }

    private void unsupportedEncoding(HttpServletResponse response) throws IOException {
        response.setHeader("Accept-Encoding", "gzip");
        refuse(response, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, OperationOutcome.IssueType.NOTSUPPORTED,
                "Unsupported Content-Encoding: request bodies may be sent uncompressed or as gzip");
    }

    private void refuse(HttpServletResponse response, int status, OperationOutcome.IssueType type, String diagnostics)
            throws IOException {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(type)
                .setDiagnostics(diagnostics);
        response.setStatus(status);
        response.setContentType("application/fhir+json;charset=UTF-8");
        response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
    }

    /** Ends the stream after {@code limit} bytes and remembers that there were more. */
    private static final class BoundedInputStream extends FilterInputStream {
        private final long limit;
        private long count;
        private boolean exceeded;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        boolean exceeded() {
            return exceeded;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (exceeded) {
                return -1;
            }
            int allowed = (int) Math.min(len, limit - count + 1);
            int n = super.read(b, off, allowed);
            if (n > 0) {
                count += n;
                if (count > limit) {
                    exceeded = true;
                    return -1;
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            return read(new byte[(int) Math.min(n, 8192)], 0, (int) Math.min(n, 8192));
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /**
     * Replays a body that was already read (and decoded), so HAPI can read it again; with the
     * encoding removed, the headers describe the body as it now is.
     */
    private static final class DecodedBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;
        private final boolean decoded;

        DecodedBodyRequest(HttpServletRequest request, byte[] body, boolean decoded) {
            super(request);
            this.body = body;
            this.decoded = decoded;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public String getHeader(String name) {
            if (CONTENT_LENGTH.equalsIgnoreCase(name)) {
                return Integer.toString(body.length);
            }
            if (decoded && CONTENT_ENCODING.equalsIgnoreCase(name)) {
                return null;
            }
            return super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (CONTENT_LENGTH.equalsIgnoreCase(name)) {
                return Collections.enumeration(List.of(Integer.toString(body.length)));
            }
            if (decoded && CONTENT_ENCODING.equalsIgnoreCase(name)) {
                return Collections.emptyEnumeration();
            }
            return super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>();
            for (String name : Collections.list(super.getHeaderNames())) {
                if (!(decoded && CONTENT_ENCODING.equalsIgnoreCase(name)) && !CONTENT_LENGTH.equalsIgnoreCase(name)) {
                    names.add(name);
                }
            }
            names.add(CONTENT_LENGTH);
            return Collections.enumeration(names);
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("synchronous reads only");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset charset = encoding != null ? Charset.forName(encoding) : StandardCharsets.UTF_8;
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }
}
