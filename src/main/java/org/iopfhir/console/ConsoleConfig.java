package org.iopfhir.console;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The review console at {@code /console/}: static files in the jar ({@code static/console/}, the SMART
 * client from npm, Chart.js from its WebJar) that talk to the FHIR API like any other SMART app. The
 * server renders nothing of a patient's record here: what a caller sees is what the API returns to its
 * token, through the same authorization, consent and audit as every FHIR request.
 */
@Configuration
public class ConsoleConfig implements WebMvcConfigurer {

    /** Static, public paths (no PHI): the console's files and the WebJars they load. */
    public static final String[] PUBLIC_PATHS = {"/console", "/console/**", "/webjars/**"};

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/console", "/console/");
        registry.addViewController("/console/").setViewName("forward:/console/index.html");
    }
}
