package org.iopfhir.privacy.auth;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.iopfhir.privacy.SecurityMode;
import org.iopfhir.privacy.SecurityProperties;

/**
 * The CapabilityStatement says how this server is secured ({@code rest.security}: SMART on FHIR
 * and its OAuth endpoints) - or, running open, says so in the security description and the
 * statement's description, where every client and developer console shows it.
 */
@Interceptor
public class CapabilitySecurityInterceptor {

    static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    private final SecurityMode mode;
    private final SecurityProperties properties;

    public CapabilitySecurityInterceptor(SecurityMode mode, SecurityProperties properties) {
        this.mode = mode;
        this.properties = properties;
    }

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void describeSecurity(IBaseConformance capabilityStatement) {
        CapabilityStatement cs = (CapabilityStatement) capabilityStatement;
        CapabilityStatementRestSecurityComponent security = cs.getRestFirstRep().getSecurity();
        security.setCors(true).setDescription(mode.description());
        if (!mode.secured()) {
            // The statement's own description, which developer consoles show (Swagger UI under its title);
            // the implementation description stays the server's name for itself, the page title there.
            cs.setDescription(mode.description());
            return;
        }
        security.addService(new CodeableConcept(new Coding(
                "http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART on FHIR")));
        Extension uris = security.addExtension().setUrl(OAUTH_URIS);
        if (!properties.authorizationEndpoint().isBlank()) {
            uris.addExtension("authorize", new UriType(properties.authorizationEndpoint()));
        }
        if (!properties.tokenEndpoint().isBlank()) {
            uris.addExtension("token", new UriType(properties.tokenEndpoint()));
        }
    }
}
