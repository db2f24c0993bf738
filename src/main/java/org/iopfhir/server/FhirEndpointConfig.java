package org.iopfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.LoggingInterceptor;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.rest.server.interceptor.CorsInterceptor;
import java.util.List;
import org.iopfhir.attendance.AttendanceOperation;
import org.iopfhir.ig.IgProperties;
import org.iopfhir.ig.ProfileValidationInterceptor;
import org.iopfhir.levelofcare.LevelOfCareOperation;
import org.iopfhir.necessity.MedicalNecessityOperation;
import org.iopfhir.privacy.SecurityMode;
import org.iopfhir.privacy.SecurityProperties;
import org.iopfhir.privacy.audit.AuditEventGuard;
import org.iopfhir.privacy.audit.AuditRecorder;
import org.iopfhir.privacy.audit.RestAuditInterceptor;
import org.iopfhir.privacy.auth.CapabilitySecurityInterceptor;
import org.iopfhir.privacy.auth.PatientSearchNarrowing;
import org.iopfhir.privacy.auth.SmartAuthorizationInterceptor;
import org.iopfhir.privacy.part2.Part2AccessPolicy;
import org.iopfhir.privacy.part2.Part2ConsentService;
import org.iopfhir.privacy.part2.Part2LabellingInterceptor;
import org.iopfhir.privacy.part2.PatientRecords;
import org.iopfhir.privacy.part2.RedisclosureNoticeInterceptor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.CorsConfiguration;

/**
 * The FHIR REST endpoint at {@code /fhir}: HAPI's RestfulServer with the JPA resource providers,
 * and every provider and interceptor the server uses, registered here in one place.
 */
@Configuration
public class FhirEndpointConfig {

    public static final String SERVER_NAME = "IOP FHIR Server";
    private static final String FHIR_PATH = "/fhir/*";

    @Bean
    public RestfulServer fhirServer(
            FhirContext fhirContext,
            ResourceProviderFactory resourceProviders,
            JpaSystemProvider<?, ?> systemProvider,
            ValueSetOperationProvider valueSetOperations,
            IFhirSystemDao<?, ?> systemDao,
            JpaStorageSettings storageSettings,
            ISearchParamRegistry searchParamRegistry,
            IValidationSupport validationSupport,
            DatabaseBackedPagingProvider pagingProvider,
            IopServerProperties properties,
            ObjectProvider<BuildProperties> buildProperties,
            IInterceptorService storageInterceptors,
            ProfileValidationInterceptor profileValidation,
            IgProperties igProperties,
            LevelOfCareOperation levelOfCare,
            AttendanceOperation attendance,
            MedicalNecessityOperation medicalNecessity,
            SecurityMode securityMode,
            SecurityProperties securityProperties,
            Part2LabellingInterceptor part2Labelling,
            Part2AccessPolicy part2AccessPolicy,
            PatientRecords patientRecords,
            AuditRecorder auditRecorder) {
        fhirContext.setParserErrorHandler(new RejectUnknownContentErrorHandler());
        RestfulServer server = new RestfulServer(fhirContext);
        server.setServerName(SERVER_NAME);
        server.setServerVersion(serverVersion(buildProperties));
        server.setImplementationDescription(
                "FHIR R4 server for Intensive Outpatient Programs (behavioral health and substance use disorder)");
        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        if (!properties.publicBaseUrl().isBlank()) {
            server.setServerAddressStrategy(new HardcodedServerAddressStrategy(properties.publicBaseUrl()));
        }

        pagingProvider.setDefaultPageSize(properties.defaultPageSize());
        pagingProvider.setMaximumPageSize(properties.maxPageSize());
        server.setPagingProvider(pagingProvider);

        server.registerProviders(resourceProviders.createProviders());
        server.registerProvider(systemProvider);
        server.registerProvider(valueSetOperations);
        server.registerProvider(levelOfCare);
        server.registerProvider(attendance);
        server.registerProvider(medicalNecessity);

        JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilities.setImplementationDescription(server.getImplementationDescription());
        server.setServerConformanceProvider(capabilities);

        // Storage-level interceptors see writes from every caller (REST, transactions, start-up loading).
        if (igProperties.validateOnWrite()) {
            storageInterceptors.registerInterceptor(profileValidation);
        }
        if (securityProperties.part2Labelling()) {
            storageInterceptors.registerInterceptor(part2Labelling);
        }
        storageInterceptors.registerInterceptor(new AuditEventGuard());

        // Who may do what: SMART scopes and roles, then 42 CFR Part 2 consent on what is loaded and
        // returned, then the redisclosure notice on what payers receive. Only when tokens are checked.
        if (securityMode.secured()) {
            server.registerInterceptor(new SmartAuthorizationInterceptor());
            server.registerInterceptor(new PatientSearchNarrowing());
            server.registerInterceptor(new ConsentInterceptor(new Part2ConsentService(part2AccessPolicy)));
            server.registerInterceptor(new RedisclosureNoticeInterceptor());
        }
        server.registerInterceptor(new CapabilitySecurityInterceptor(securityMode, securityProperties));
        if (securityProperties.audit().enabled()) {
            server.registerInterceptor(new RestAuditInterceptor(auditRecorder, patientRecords));
        }

        server.registerInterceptor(requestLog());
        server.registerInterceptor(new ResourceIdSyntaxInterceptor());
        server.registerInterceptor(new SearchParameterLimitsInterceptor(properties.maxSortKeys()));
        server.registerInterceptor(new ErrorResponseInterceptor());
        server.registerInterceptor(new ResponseHighlighterInterceptor());
        server.registerInterceptor(new OpenApiInterceptor());
        if (!properties.corsAllowedOrigins().isEmpty()) {
            server.registerInterceptor(cors(properties.corsAllowedOrigins()));
        }
        return server;
    }

    /** Browser apps (SMART apps, developer consoles) send bearer tokens, not cookies: no credentials. */
    private static CorsInterceptor cors(List<String> allowedOrigins) {
        CorsConfiguration config = new CorsConfiguration();
        allowedOrigins.forEach(config::addAllowedOriginPattern);
        config.setAllowedHeaders(List.of(HttpHeaders.ACCEPT, HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE,
                HttpHeaders.IF_MATCH, HttpHeaders.IF_NONE_MATCH, HttpHeaders.IF_MODIFIED_SINCE, "If-None-Exist",
                "Prefer", "X-Request-ID"));
        config.setExposedHeaders(List.of(HttpHeaders.LOCATION, HttpHeaders.CONTENT_LOCATION, HttpHeaders.ETAG,
                HttpHeaders.LAST_MODIFIED, "X-Request-ID"));
        config.setAllowedMethods(List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"));
        config.setMaxAge(3600L);
        return new CorsInterceptor(config);
    }

    @Bean
    public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer fhirServer) {
        ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(fhirServer, FHIR_PATH);
        registration.setLoadOnStartup(1);
        return registration;
    }

    @Bean
    public FilterRegistrationBean<RequestSizeLimitFilter> requestSizeLimit(
            FhirContext fhirContext, IopServerProperties properties) {
        FilterRegistrationBean<RequestSizeLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestSizeLimitFilter(fhirContext, properties.maxRequestSize().toBytes()));
        registration.addUrlPatterns(FHIR_PATH);
        return registration;
    }

    /** One line per request, without query strings or bodies, which may carry PHI. */
    private static LoggingInterceptor requestLog() {
        LoggingInterceptor logging = new LoggingInterceptor();
        logging.setLoggerName("org.iopfhir.access");
        logging.setMessageFormat(
                "${requestId} ${requestVerb} ${operationType} ${idOrResourceName} ${operationName} ${processingTimeMillis}ms");
        logging.setErrorMessageFormat(
                "${requestId} ${requestVerb} ${operationType} ${idOrResourceName} ${operationName} failed");
        logging.setLogExceptions(false);
        return logging;
    }

    private static String serverVersion(ObjectProvider<BuildProperties> buildProperties) {
        BuildProperties build = buildProperties.getIfAvailable();
        return build != null ? build.getVersion() : "development";
    }
}
