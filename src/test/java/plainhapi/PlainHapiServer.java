package plainhapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import java.io.File;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * A plain HAPI FHIR JPA server on a free port: {@link PlainHapiJpaConfig} and HAPI's {@link RestfulServer}
 * with HAPI's resource and system providers, in an embedded Tomcat. No interceptor, profile or operation of
 * this project: what another HAPI server would do with our package.
 */
public final class PlainHapiServer implements AutoCloseable {

    private final AnnotationConfigApplicationContext spring;
    private final Tomcat tomcat;
    private final File workDir;
    private final String baseUrl;

    private PlainHapiServer(AnnotationConfigApplicationContext spring, Tomcat tomcat, File workDir, String baseUrl) {
        this.spring = spring;
        this.tomcat = tomcat;
        this.workDir = workDir;
        this.baseUrl = baseUrl;
    }

    public static PlainHapiServer start() throws Exception {
        AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext(PlainHapiJpaConfig.class);
        RestfulServer fhir = new RestfulServer(spring.getBean(FhirContext.class));
        fhir.registerProviders(spring.getBean(ResourceProviderFactory.class).createProviders());
        fhir.registerProvider(spring.getBean("mySystemProviderR4", JpaSystemProvider.class));
        fhir.setPagingProvider(spring.getBean(DatabaseBackedPagingProvider.class));

        Tomcat tomcat = new Tomcat();
        File base = Files.createTempDirectory("plain-hapi").toFile();
        tomcat.setBaseDir(base.getAbsolutePath());
        tomcat.setPort(0);
        Context context = tomcat.addContext("", base.getAbsolutePath());
        Tomcat.addServlet(context, "fhir", fhir);
        context.addServletMappingDecoded("/fhir/*", "fhir");
        try {
            tomcat.start();
        } catch (LifecycleException failed) {
            spring.close();
            FileSystemUtils.deleteRecursively(base);
            throw failed;
        }
        return new PlainHapiServer(spring, tomcat, base, "http://localhost:" + tomcat.getConnector().getLocalPort() + "/fhir");
    }

    public String baseUrl() {
        return baseUrl;
    }

    public IPackageInstallerSvc packageInstaller() {
        return spring.getBean(IPackageInstallerSvc.class);
    }

    public FhirContext fhirContext() {
        return spring.getBean(FhirContext.class);
    }

    @Override
    public void close() throws Exception {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            spring.close();
            FileSystemUtils.deleteRecursively(workDir);
        }
    }
}
