package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.concurrent.atomic.AtomicReference;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RequestSizeLimitFilterTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private final RequestSizeLimitFilter filter = new RequestSizeLimitFilter(FHIR, 10);
    private final AtomicReference<ServletRequest> passedOn = new AtomicReference<>();

    @Test
    void declaredLengthOverTheLimitIsRefusedWith413AndAnOperationOutcome() throws Exception {
        MockHttpServletResponse response = run(request("01234567890", false));

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(passedOn.get()).isNull();
        OperationOutcome outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.getContentAsString());
        assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TOOLONG);
    }

    @Test
    void chunkedBodyOverTheLimitIsRefused() throws Exception {
        assertThat(run(request("01234567890", true)).getStatus()).isEqualTo(413);
        assertThat(passedOn.get()).isNull();
    }

    @Test
    void chunkedBodyWithinTheLimitReachesTheServerIntact() throws Exception {
        MockHttpServletResponse response = run(request("0123456789", true));

        assertThat(response.getStatus()).isEqualTo(200);
        byte[] body = passedOn.get().getInputStream().readAllBytes();
        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("0123456789");
        assertThat(passedOn.get().getContentLengthLong()).isEqualTo(10);
    }

    @Test
    void bodyAtTheLimitWithDeclaredLengthPassesUntouched() throws Exception {
        MockHttpServletRequest request = request("0123456789", false);
        run(request);
        assertThat(passedOn.get()).isSameAs(request);
    }

    @Test
    void gzipBodyIsHandedOnDecodedWithoutItsEncoding() throws Exception {
        String json = "{\"resourceType\":\"Patient\",\"active\":true}".repeat(10);
        MockHttpServletRequest request = request(gzip(json.getBytes(StandardCharsets.UTF_8)), false);
        request.addHeader("Content-Encoding", "gzip");

        MockHttpServletResponse response = run(thousandByteFilter, request);

        assertThat(response.getStatus()).isEqualTo(200);
        HttpServletRequest decoded = (HttpServletRequest) passedOn.get();
        assertThat(new String(decoded.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(decoded.getHeader("Content-Encoding")).isNull();
        assertThat(Collections.list(decoded.getHeaders("Content-Encoding"))).isEmpty();
        assertThat(Collections.list(decoded.getHeaderNames())).noneMatch("Content-Encoding"::equalsIgnoreCase);
        assertThat(decoded.getContentLengthLong()).isEqualTo(json.length());
        assertThat(decoded.getHeader("Content-Length")).isEqualTo(Integer.toString(json.length()));
    }

    @Test
    void smallGzipBodyThatInflatesBeyondTheLimitIsRefusedWith413() throws Exception {
        byte[] bomb = gzip(new byte[100_000]);
        assertThat(bomb.length).isLessThan(1000);
        MockHttpServletRequest request = request(bomb, false);
        request.addHeader("Content-Encoding", "gzip");

        MockHttpServletResponse response = run(thousandByteFilter, request);

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(passedOn.get()).isNull();
        OperationOutcome outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.getContentAsString());
        assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TOOLONG);
    }

    @Test
    void chunkedGzipBodyThatInflatesBeyondTheLimitIsRefused() throws Exception {
        MockHttpServletRequest request = request(gzip(new byte[100_000]), true);
        request.addHeader("Content-Encoding", "x-gzip");

        assertThat(run(thousandByteFilter, request).getStatus()).isEqualTo(413);
        assertThat(passedOn.get()).isNull();
    }

    @Test
    void gzipBodyDecodedExactlyToTheLimitPasses() throws Exception {
        MockHttpServletRequest request = request(gzip(new byte[1000]), true);
        request.addHeader("Content-Encoding", "GZIP");

        assertThat(run(thousandByteFilter, request).getStatus()).isEqualTo(200);
        assertThat(passedOn.get().getInputStream().readAllBytes()).hasSize(1000);
    }

    @Test
    void chunkedGzipBodyLargerOnTheWireThanTheLimitIsRefused() throws Exception {
        // Random bytes do not compress: the decoded body fits, the encoded one does not.
        byte[] noise = new byte[1000];
        new Random(7).nextBytes(noise);
        byte[] encoded = gzip(noise);
        assertThat(encoded.length).isGreaterThan(1000);
        MockHttpServletRequest request = request(encoded, true);
        request.addHeader("Content-Encoding", "gzip");

        assertThat(run(thousandByteFilter, request).getStatus()).isEqualTo(413);
        assertThat(passedOn.get()).isNull();
    }

    @Test
    void corruptGzipBodyIsABadRequest() throws Exception {
        MockHttpServletRequest request = request("{\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_8), false);
        request.addHeader("Content-Encoding", "gzip");

        MockHttpServletResponse response = run(thousandByteFilter, request);

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(passedOn.get()).isNull();
        assertThat(FHIR.newJsonParser().parseResource(OperationOutcome.class, response.getContentAsString())
                .getIssueFirstRep().getDiagnostics()).contains("gzip");
    }

    @Test
    void encodingsThatCannotBeDecodedAreRefusedWith415() throws Exception {
        for (String encoding : new String[] {"deflate", "br", "compress", "zstd", "gzip, gzip", "gzip, br"}) {
            passedOn.set(null);
            MockHttpServletRequest request = request("0123".getBytes(StandardCharsets.UTF_8), false);
            request.addHeader("Content-Encoding", encoding);

            MockHttpServletResponse response = run(thousandByteFilter, request);

            assertThat(response.getStatus()).as(encoding).isEqualTo(415);
            assertThat(response.getHeader("Accept-Encoding")).isEqualTo("gzip");
            assertThat(passedOn.get()).as(encoding).isNull();
            assertThat(FHIR.newJsonParser().parseResource(OperationOutcome.class, response.getContentAsString())
                    .getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.NOTSUPPORTED);
        }
    }

    @Test
    void identityEncodingAndEncodedRequestsWithoutABodyPassUntouched() throws Exception {
        MockHttpServletRequest identity = request("0123".getBytes(StandardCharsets.UTF_8), false);
        identity.addHeader("Content-Encoding", "identity");
        run(identity);
        assertThat(passedOn.get()).isSameAs(identity);

        MockHttpServletRequest get = new MockHttpServletRequest("GET", "/fhir/Patient");
        get.addHeader("Content-Encoding", "br");
        run(get);
        assertThat(passedOn.get()).isSameAs(get);
    }

    private final RequestSizeLimitFilter thousandByteFilter = new RequestSizeLimitFilter(FHIR, 1000);

    private MockHttpServletResponse run(MockHttpServletRequest request) throws Exception {
        return run(filter, request);
    }

    private MockHttpServletResponse run(RequestSizeLimitFilter filter, MockHttpServletRequest request) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, (req, res) -> passedOn.set(req));
        return response;
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(content);
        }
        return out.toByteArray();
    }

    private static MockHttpServletRequest request(String body, boolean chunked) {
        return request(body.getBytes(StandardCharsets.UTF_8), chunked);
    }

    private static MockHttpServletRequest request(byte[] body, boolean chunked) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/fhir/Patient");
        request.setContent(body);
        if (chunked) {
            // MockHttpServletRequest derives a length from the content; a chunked request has none.
            request = new MockHttpServletRequest("POST", "/fhir/Patient") {
                @Override
                public long getContentLengthLong() {
                    return -1;
                }

                @Override
                public int getContentLength() {
                    return -1;
                }
            };
            request.setContent(body);
            request.addHeader("Transfer-Encoding", "chunked");
        }
        return request;
    }
}
