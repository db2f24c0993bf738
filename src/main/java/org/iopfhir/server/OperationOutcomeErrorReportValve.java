package org.iopfhir.server;

import java.io.IOException;
import java.io.PrintWriter;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Tomcat's answer to a request it refuses before any servlet sees it (a URL with characters that must be
 * percent-encoded such as {@code < > " \ ^ `} or a space, an encoded {@code /} or NUL in the path, {@code [ ]}
 * in the path...) is an OperationOutcome instead of Tomcat's HTML error page, like every other refusal of
 * this server. It says only the status: nothing of the request, which may carry PHI, and no server details.
 * Errors with a body already written (all that the FHIR endpoint and Spring answer) are left alone.
 */
public class OperationOutcomeErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        try {
            response.setContentType("application/fhir+json");
            response.setCharacterEncoding("UTF-8");
            PrintWriter writer = response.getReporter();
            if (writer != null) {
                writer.write(outcome(status));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response cannot be written: nothing more to say.
        }
    }

    static String outcome(int status) {
        String code;
        String diagnostics;
        if (status == 400) {
            code = "invalid";
            diagnostics = "The request is not valid HTTP, or its URL holds characters that must be percent-encoded "
                    + "(such as < > \\\" \\\\ ^ ` or a space) or an encoded / or NUL in the path";
        } else if (status == 404) {
            code = "not-found";
            diagnostics = "Nothing is served at this path";
        } else if (status == 405 || status == 501) {
            code = "not-supported";
            diagnostics = "HTTP " + status + ": the method is not supported here";
        } else if (status == 413 || status == 414 || status == 431) {
            code = "too-long";
            diagnostics = "HTTP " + status + ": the request or its headers are too large";
        } else {
            code = status >= 500 ? "exception" : "invalid";
            diagnostics = "HTTP " + status;
        }
        return "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" + code
                + "\",\"diagnostics\":\"" + diagnostics + "\"}]}";
    }

    /**
     * Puts this valve in place of the ErrorReportValve(s) on the embedded Tomcat's host, after Spring Boot's own
     * customizer added its (HTML) one.
     */
    public static WebServerFactoryCustomizer<TomcatServletWebServerFactory> installer() {
        return new Installer();
    }

    private static final class Installer implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {
        @Override
        public void customize(TomcatServletWebServerFactory factory) {
            factory.addContextCustomizers(context -> {
                if (context.getParent() instanceof StandardHost host) {
                    for (Valve valve : host.getPipeline().getValves()) {
                        if (valve instanceof ErrorReportValve && !(valve instanceof OperationOutcomeErrorReportValve)) {
                            host.getPipeline().removeValve(valve);
                        }
                    }
                    host.setErrorReportValveClass(OperationOutcomeErrorReportValve.class.getName());
                    host.getPipeline().addValve(new OperationOutcomeErrorReportValve());
                }
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
