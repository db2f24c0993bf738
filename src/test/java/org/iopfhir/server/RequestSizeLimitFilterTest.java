package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.ServletRequest;
import java.nio.charset.StandardCharsets;
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

    private MockHttpServletResponse run(MockHttpServletRequest request) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, (req, res) -> passedOn.set(req));
        return response;
    }

    private static MockHttpServletRequest request(String body, boolean chunked) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/fhir/Patient");
        request.setContent(body.getBytes(StandardCharsets.UTF_8));
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
            request.setContent(body.getBytes(StandardCharsets.UTF_8));
            request.addHeader("Transfer-Encoding", "chunked");
        }
        return request;
    }
}
