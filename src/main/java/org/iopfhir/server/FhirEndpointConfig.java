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
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.LoggingInterceptor;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.rest.server.interceptor.CorsInterceptor;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.CorsConfiguration;

/**
 * The FHIR REST endpoint at {@code /fhir}: HAPI's RestfulServer with the JPA resource providers, what
 * every feature package contributes ({@link FhirEndpointFeature}, e.g. the OpenAPI document of {@code apidocs};
 * a feature's own resource provider replaces HAPI's for its type), and the endpoint's own interceptors
 * (request log, id syntax, CORS).
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
            ObjectProvider<FhirEndpointFeature> features) {
        configureParsing(fhirContext);
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

        List<FhirEndpointFeature> contributed = features.orderedStream().toList();
        server.registerProviders(storageProvidersNotReplaced(resourceProviders, contributed));
        server.registerProvider(systemProvider);
        server.registerProvider(valueSetOperations);

        JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilities.setImplementationDescription(server.getImplementationDescription());
        server.setServerConformanceProvider(capabilities);

        // What each feature package adds: its operations, its REST interceptors, and its storage interceptors
        // (those see writes from every caller: REST, transactions, start-up loading).
        contributed.forEach(feature -> {
            feature.providers().forEach(server::registerProvider);
            feature.serverInterceptors().forEach(server::registerInterceptor);
            feature.storageInterceptors().forEach(storageInterceptors::registerInterceptor);
        });

        server.registerInterceptor(requestLog());
        server.registerInterceptor(new ResourceIdSyntaxInterceptor());
        server.registerInterceptor(new UnofferedOperationsInterceptor());
        server.registerInterceptor(new UnofferedFormatInterceptor());
        server.registerInterceptor(new SearchParameterLimitsInterceptor(properties.maxSortKeys()));
        server.registerInterceptor(new ErrorResponseInterceptor());
        server.registerInterceptor(new ResponseHighlighterInterceptor());
        if (!properties.corsAllowedOrigins().isEmpty()) {
            server.registerInterceptor(cors(properties.corsAllowedOrigins()));
        }
        return server;
    }

    /**
     * HAPI's resource providers (over its storage), except for the types a feature serves with a resource
     * provider of its own (e.g. AuditEvent, from the audit trail's tables).
     */
    private static List<Object> storageProvidersNotReplaced(ResourceProviderFactory resourceProviders,
            List<FhirEndpointFeature> features) {
        Set<Class<?>> replaced = features.stream().flatMap(f -> f.providers().stream())
                .filter(IResourceProvider.class::isInstance)
                .map(p -> ((IResourceProvider) p).getResourceType())
                .collect(Collectors.toSet());
        return resourceProviders.createProviders().stream()
                .filter(p -> !(p instanceof IResourceProvider r && replaced.contains(r.getResourceType())))
                .toList();
    }

    /**
     * How this server reads and writes FHIR: unknown elements are refused ({@link RejectUnknownContentErrorHandler});
     * and resources are encoded as they are, without HAPI's search for reference targets to contain. That search
     * walks every element of every resource encoded (for storage, the audit trail and every response: 6% of a
     * search's profile) to find references holding a resource object without an id, which neither parsed resources
     * (their references hold only contained resources and Bundle entries, which have ids) nor this server's code
     * produce. What is in {@code contained} is encoded as before; server code that embeds a resource must put it
     * in {@code contained} itself.
     */
    static void configureParsing(FhirContext fhirContext) {
        fhirContext.setParserErrorHandler(new RejectUnknownContentErrorHandler());
        fhirContext.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
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

    /** Refusals by Tomcat itself (malformed URLs) answered as OperationOutcomes, not HTML pages. */
    @Bean
    public static org.springframework.boot.web.server.WebServerFactoryCustomizer<
            org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory> operationOutcomeErrorReports() {
        return OperationOutcomeErrorReportValve.installer();
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
